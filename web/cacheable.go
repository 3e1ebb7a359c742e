package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// The public archive, its feed and the static files are what crowds and
// feed readers fetch again and again. Each answer carries an ETag (a hash
// of the body) and, for the feed, the Last-Modified of its newest entry;
// a request that already has them (If-None-Match, If-Modified-Since) gets
// 304 Not Modified without a body. They are compressed with gzip when the
// client asks for it. Staff pages are neither: they are never stored
// (Cache-Control: no-store), and compressing a page that holds a CSRF
// token beside text an attacker can choose would open it to BREACH.

// gzipMin is the smallest body worth compressing.
const gzipMin = 256

// cacheable adds conditional GET and gzip to the public and static paths.
func (s *Server) cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead ||
			!publicPath(r.URL.Path) && !strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Accept-Encoding")
		// The handler answers in full, into the buffer; the preconditions
		// and the compression are decided here, on the whole answer. Range
		// requests are answered in full (these bodies are small).
		inner := r.Clone(r.Context())
		for _, h := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "Range", "If-Range"} {
			inner.Header.Del(h)
		}
		buf := &bufferedWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(buf, inner)
		h := w.Header()
		if buf.status != http.StatusOK {
			h.Del("ETag")
			w.WriteHeader(buf.status)
			if r.Method != http.MethodHead {
				_, _ = w.Write(buf.body.Bytes())
			}
			return
		}
		body := buf.body.Bytes()
		etag := h.Get("ETag")
		if etag == "" {
			sum := sha256.Sum256(body)
			// Weak: the same body gzipped or not is the same for a cache's
			// revalidation (RFC 9110 §8.8.3).
			etag = `W/"` + hex.EncodeToString(sum[:12]) + `"`
			h.Set("ETag", etag)
		}
		if notModified(r, etag, h.Get("Last-Modified")) {
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding"} {
				h.Del(k)
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if len(body) >= gzipMin && acceptsGzip(r) && compressible(h.Get("Content-Type")) {
			var z bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = z.Bytes()
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// bufferedWriter keeps a handler's body and status; headers go straight to
// the real writer's map.
type bufferedWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *bufferedWriter) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// notModified applies If-None-Match, or without it If-Modified-Since
// (RFC 9110 §13.2.2), to an answer with etag and lastModified.
func notModified(r *http.Request, etag, lastModified string) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
				return true
			}
		}
		return false
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	if err != nil || lastModified == "" {
		return false
	}
	lm, err := http.ParseTime(lastModified)
	return err == nil && !lm.After(ims)
}

// acceptsGzip reports whether the request's Accept-Encoding names gzip
// (or *) with a quality above zero.
func acceptsGzip(r *http.Request) bool {
	ok := map[string]bool{}
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			if qs, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); found {
				if f, err := strconv.ParseFloat(qs, 64); err == nil {
					q = f
				}
			}
			if _, seen := ok[name]; !seen {
				ok[name] = q > 0
			}
		}
	}
	if v, named := ok["gzip"]; named {
		return v
	}
	return ok["*"]
}

// compressible reports whether a body of this type shrinks with gzip
// (text, not the JPEG and PNG images).
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	return strings.HasPrefix(ct, "text/") || ct == "application/atom+xml" || ct == "application/xml" ||
		ct == "application/javascript" || ct == "application/json" || ct == "image/svg+xml"
}
