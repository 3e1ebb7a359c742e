package zalosim

import (
	"errors"
	"io"
	"net/http"
	"time"
)

type image struct {
	oa          *oaState // the OA that uploaded it
	data        []byte
	contentType string
	uploaded    time.Time
}

// handleUploadImage is POST /v2.0/oa/upload/image: multipart field "file",
// jpg or png (sniffed, not trusted from the part header), at most 1 MB.
func (s *Server) handleUploadImage(r *http.Request, oa *oaState) answer {
	r.Body = http.MaxBytesReader(nil, r.Body, 4*MaxImageBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return invalidField("file")
	}
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return apiError(CodeParamExceedsLimit, "param exceeds limit: file is larger than 1 MB")
			}
			return invalidField("file")
		}
		if part.FormName() != "file" {
			continue
		}
		data, err = io.ReadAll(io.LimitReader(part, MaxImageBytes+1))
		if err != nil {
			return invalidField("file")
		}
		break
	}
	if data == nil {
		return invalidField("file")
	}
	if len(data) > MaxImageBytes {
		return apiError(CodeParamExceedsLimit, "param exceeds limit: file is larger than 1 MB")
	}
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" {
		return invalidField("file")
	}
	id := randomToken(60)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images[id] = image{oa: oa, data: data, contentType: ct, uploaded: s.now()}
	s.stats.Uploads++
	return ok(struct {
		AttachmentID string `json:"attachment_id"`
	}{id})
}

// serveAttachment is GET /_sim/attachments/{id}: the stored image bytes.
func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	img, found := s.images[r.PathValue("id")]
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", img.contentType)
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write(img.data)
}
