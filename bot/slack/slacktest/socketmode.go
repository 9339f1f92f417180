package slacktest

import "net/http"

// serveSocketAPI serves the Web API methods of Socket Mode. It reports false
// for a method it does not know.
func (s *Server) serveSocketAPI(w http.ResponseWriter, r *http.Request, method, token string) bool {
	return false
}
