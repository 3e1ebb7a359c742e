package notices_test

import (
	"context"
	"slices"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// A category has one stored form: a usual one typed as a name ("y tế",
// "Y TẾ") or a code ("y-te") is stored as its code and read as its name;
// another program's row in another form is listed and filtered as the
// same category.
func TestCategoryOneStoredForm(t *testing.T) {
	s, path := openStore(t)
	addHamlets(t, s, "Khóm 1")
	ctx := context.Background()
	var ids []int64
	for _, c := range []string{"y tế", "Y TẾ", "y-te", " Y_tế "} {
		n := notices.Notice{Title: "Tiêm chủng", Body: "x", Category: c, Source: notices.SourceCLI}
		if err := s.CreateNotice(ctx, &n); err != nil {
			t.Fatal(err)
		}
		got, err := s.Notice(ctx, n.ID)
		if err != nil || got.Category != "y-te" {
			t.Fatalf("category %q is stored as %q (%v); want y-te", c, got.Category, err)
		}
		ids = append(ids, n.ID)
	}
	other := notices.Notice{Title: "Khác", Body: "x", Category: "  tin  riêng của ấp ", Source: notices.SourceCLI}
	if err := s.CreateNotice(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Notice(ctx, other.ID); got.Category != "tin  riêng của ấp" {
		t.Errorf("an unusual category is stored as %q; want it as typed, trimmed", got.Category)
	}
	// Another program writes the name.
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO notices (title, body, category) VALUES ('Từ ngoài', 'x', 'Y tế')`); err != nil {
		t.Fatal(err)
	}
	cats, err := s.NoticeCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cats, []string{"tin  riêng của ấp", "y-te"}) {
		t.Errorf("categories = %q; want each once, in its stored form", cats)
	}
	for _, c := range []string{"y-te", "Y tế", "y te"} {
		if n, err := s.CountNotices(ctx, notices.NoticeFilter{Category: c}); err != nil || n != 5 {
			t.Errorf("filter by %q finds %d (%v); want all 5", c, n, err)
		}
	}
	for c, want := range map[string]string{"y-te": "Y tế", "thoi-tiet-thien-tai": "Thời tiết, thiên tai", "tin riêng": "Tin riêng"} {
		if got := notices.CategoryName(c); got != want {
			t.Errorf("CategoryName(%q) = %q; want %q", c, got, want)
		}
	}
}
