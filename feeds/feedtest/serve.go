package feedtest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), At: time.Now(),
	})
	var flt fault
	if f, ok := s.faults[r.URL.Path]; ok {
		flt = *f
	}
	fd, found := s.feeds[r.URL.Path]
	s.mu.Unlock()

	switch {
	case flt.hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	case flt.redirect != "":
		http.Redirect(w, r, flt.redirect, http.StatusFound)
		return
	case flt.status != 0:
		if flt.retryAfter != "" {
			w.Header().Set("Retry-After", flt.retryAfter)
		}
		http.Error(w, http.StatusText(flt.status), flt.status)
		return
	case !found:
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("ETag", fd.etag)
	h.Set("Last-Modified", fd.modified.Format(http.TimeFormat))
	if notModified(r, fd) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if fd.contentType != "" {
		h.Set("Content-Type", fd.contentType)
	}
	body := fd.body
	switch {
	case fd.encoding != "":
		h.Set("Content-Encoding", fd.encoding)
	case flt.gzip && acceptsGzip(r):
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = buf.Bytes()
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
	}
	if flt.drip <= 0 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
		return
	}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	t := time.NewTicker(flt.drip)
	defer t.Stop()
	for i := range body {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
		if _, err := w.Write(body[i : i+1]); err != nil {
			return
		}
		_ = rc.Flush()
	}
}

// notModified applies If-None-Match, else If-Modified-Since.
func notModified(r *http.Request, fd *feed) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			if tag = strings.TrimSpace(tag); tag == fd.etag || tag == "W/"+fd.etag || tag == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !fd.modified.After(t) {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
			return true
		}
	}
	return false
}
