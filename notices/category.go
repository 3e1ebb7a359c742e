package notices

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A category has one stored form. The usual categories (CategoryNames)
// are stored as their code, the name folded with hyphens: "y tế", "Y TẾ",
// "y-te" and "Y_te" are all stored "y-te" and read "Y tế". Any other
// category is stored as typed (trimmed, NFC) and read with a capital
// first letter. The store applies CategoryCode on every write (Validate);
// a row written by another program in another form is still read, listed
// and filtered as the same category (loaxa_category in SQL).

// CategoryNames are the usual categories, as people read them.
var CategoryNames = []string{"Chung", "Y tế", "An ninh", "Thời tiết, thiên tai", "Thời tiết", "Điện nước", "Hành chính",
	"Họp dân", "Môi trường", "Văn hóa", "Giáo dục", "Nông nghiệp", "Giao thông", "Tiêm chủng", "Thu gom rác", "Cắt điện"}

// categoryByKey are the usual categories' names by their key.
var categoryByKey = func() map[string]string {
	m := map[string]string{}
	for _, n := range CategoryNames {
		m[categoryKey(n)] = n
	}
	return m
}()

// categoryKey is c folded, its words joined by one hyphen.
func categoryKey(c string) string {
	return strings.Join(strings.FieldsFunc(Fold(c), func(r rune) bool {
		return r == '-' || r == '_' || r == ',' || unicode.IsSpace(r)
	}), "-")
}

// CategoryCode is c's stored form: a usual category's code ("y tế" →
// "y-te"), else c trimmed and in NFC.
func CategoryCode(c string) string {
	if _, ok := categoryByKey[categoryKey(c)]; ok {
		return categoryKey(c)
	}
	return nfcTrim(c)
}

// CategoryName is c as people read it: a usual category's name ("y-te" →
// "Y tế"), else c as typed with a capital first letter.
func CategoryName(c string) string {
	if n, ok := categoryByKey[categoryKey(c)]; ok {
		return n
	}
	c = strings.TrimSpace(c)
	r, size := utf8.DecodeRuneInString(c)
	if size == 0 {
		return ""
	}
	return string(unicode.ToUpper(r)) + c[size:]
}

// mergeCategories is the distinct stored categories as one code each,
// sorted by name.
func mergeCategories(raw []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range raw {
		if code := CategoryCode(c); code != "" && !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return Fold(CategoryName(out[i])) < Fold(CategoryName(out[j])) })
	return out
}

// CategoryInput is c as a form shows it for editing: a usual category's
// name ("y-te" → "Y tế"), any other exactly as stored.
func CategoryInput(c string) string {
	if n, ok := categoryByKey[categoryKey(c)]; ok {
		return n
	}
	return c
}
