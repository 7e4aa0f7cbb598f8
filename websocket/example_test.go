package websocket_test

import (
	"errors"
	"log"
	"net/http"

	"github.com/gevent-go/gevent/httpserver"
	"github.com/gevent-go/gevent/websocket"
)

// An echo server: gevent-websocket's
//
//	def app(environ, start_response):
//	    ws = environ["wsgi.websocket"]
//	    while True:
//	        msg = ws.receive()
//	        if msg is None:
//	            break
//	        ws.send(msg)
//	WSGIServer(("", 8000), app, handler_class=WebSocketHandler).serve_forever()
func ExampleNew() {
	mux := http.NewServeMux()
	mux.Handle("/echo", websocket.New(func(ws *websocket.Conn) error {
		for {
			typ, msg, err := ws.Receive()
			var closed *websocket.CloseError
			if errors.As(err, &closed) {
				return nil // the client closed: receive() returned None
			}
			if err != nil {
				return err // connection lost, or the server is stopping
			}
			if err := ws.Send(typ, msg); err != nil {
				return err
			}
		}
	}))
	s := &httpserver.Server{Addr: "127.0.0.1:8000", Handler: mux}
	if err := s.ListenAndServe(); err != nil && err != httpserver.ErrServerClosed {
		log.Fatal(err)
	}
}
