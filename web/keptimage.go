package web

import (
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// keptImage is an image chosen on the compose form. A refused form carries
// it back in a hidden field (image_kept, base64), so that nobody has to
// choose it again; it is checked again, as an upload is, when it comes back.
type keptImage struct {
	Data []byte
	Type string
}

// Kept is the hidden field's value; "" for none.
func (k keptImage) Kept() string {
	if len(k.Data) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(k.Data)
}

// URL is the image as a data: URL for the form's thumbnail (the CSP allows
// data: images). It is built from bytes checked to be a JPEG or PNG.
func (k keptImage) URL() template.URL {
	if len(k.Data) == 0 || (k.Type != "image/jpeg" && k.Type != "image/png") {
		return ""
	}
	return template.URL("data:" + k.Type + ";base64," + k.Kept())
}

// formImage is the image the posted form brings: a new upload first, else
// the one kept from a refused form unless "remove_image" is ticked. A bad
// one is an error beside the field, and not kept.
func (s *Server) formImage(r *http.Request, errs fieldErrs) keptImage {
	data, typ, attached := readImage(r, errs)
	if attached {
		if errs["image"] != "" {
			return keptImage{}
		}
		return keptImage{Data: data, Type: typ}
	}
	kept := r.PostFormValue("image_kept")
	if kept == "" || r.PostFormValue("remove_image") != "" {
		return keptImage{}
	}
	data, err := base64.StdEncoding.DecodeString(kept)
	typ = http.DetectContentType(data)
	switch {
	case err != nil || len(data) == 0:
		errs.add("image", "Không đọc lại được ảnh đã chọn; hãy chọn lại ảnh.")
		return keptImage{}
	case len(data) > notices.MaxImage:
		errs.add("image", "Ảnh nặng quá giới hạn 1 MB của Zalo; hãy thu nhỏ ảnh rồi chọn lại.")
		return keptImage{}
	case typ != "image/jpeg" && typ != "image/png":
		errs.add("image", "Ảnh đã giữ không phải JPEG hoặc PNG; hãy chọn ảnh .jpg hoặc .png.")
		return keptImage{}
	}
	return keptImage{Data: data, Type: typ}
}
