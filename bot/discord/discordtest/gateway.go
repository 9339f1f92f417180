package discordtest

import "net/http"

// gateway is the fake's gateway and interactions side.
type gateway struct{ s *Server }

func newGateway(s *Server) *gateway { return &gateway{s: s} }

func (g *gateway) routes(mux *http.ServeMux) {}

func (g *gateway) close() {}

func (g *gateway) isInteractionToken(app, token string) bool { return false }

func (g *gateway) followUp(w http.ResponseWriter, r *http.Request) {}
