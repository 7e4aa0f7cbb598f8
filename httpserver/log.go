package httpserver

import (
	"fmt"
	"strings"
	"time"
)

// logAccess writes one access log record in pywsgi's format.
func (s *Server) logAccess(remote, requestLine string, status int, length int64, start time.Time) {
	host := remote
	if i := strings.LastIndexByte(remote, ':'); i >= 0 {
		host = strings.Trim(remote[:i], "[]")
	}
	now := time.Now()
	s.AccessLog.Info(fmt.Sprintf("%s - - [%s] \"%s\" %d %d %.6f",
		host, now.Format("2006-01-02 15:04:05"), requestLine, status, length, now.Sub(start).Seconds()))
}
