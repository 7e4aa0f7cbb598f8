// Package socket is gevent's cooperative socket module for Go: Dial,
// Listen and ListenPacket return net.Conn, net.Listener and net.PacketConn
// values backed by non-blocking descriptors waited on by the hub's epoll
// instance. A Read that would block parks the calling greenlet and lets the
// others run, as gevent.socket does after monkey-patching; the values work
// unchanged under bufio, io.Copy and crypto/tls.
//
// Behaviour follows Go's net package where the two differ from gevent:
// errors are *net.OpError values (match them with errors.Is against
// net.ErrClosed, os.ErrDeadlineExceeded, syscall errnos), io.EOF ends a
// stream, Write writes everything (gevent's sendall), and deadlines
// (SetDeadline, SetReadDeadline, SetWriteDeadline) replace gevent's
// settimeout. TCP_NODELAY is on by default; keep-alive is off unless asked
// for (Dialer.KeepAlive, Conn.SetKeepAlive).
//
// # Interruption
//
// Every blocking call (Read, Write, Accept, ReadFrom, WriteTo, Dial)
// honours a kill and a gevent.Timeout scope of the calling greenlet: the
// kill error or the *gevent.Timeout is returned unchanged (not wrapped), and
// the operation did not consume anything. Close, from any greenlet or
// goroutine, wakes every blocked call with an error matching net.ErrClosed.
// A deadline changed while a call is blocked applies to that call.
//
// # Which goroutines may call what
//
// A socket belongs to the hub of the greenlet that created it (by Dial,
// Listen, Accept, Socketpair or one of the File functions). Its greenlets wait cooperatively. Any other goroutine
// (third-party libraries start their own, e.g. net/http's Transport) may use
// it too: such a call blocks its own goroutine in poll(2), honouring the
// deadlines and Close (noticed within 50 ms), and never touches the hub's
// state except through Hub.Post. Sockets created by a goroutine that is not
// a greenlet of any hub (see gevent.GetHub: only the program's main
// goroutine becomes one, of the default hub) work entirely in that
// blocking mode. Calls from
// several greenlets and goroutines at once are safe: each direction (read,
// write) is serialised, greenlets in FIFO order.
//
// # Lifetime
//
// A socket the program drops without closing it is closed when the garbage
// collector finds it, as net's sockets are (a finalizer; the close is handed
// to the socket's hub if it still runs). A socket still open when its hub
// ends (the Run that created it returns) is closed then: it could no
// longer wait cooperatively. Its later calls return an error matching
// net.ErrClosed, and so do calls still blocked in other goroutines, within
// 50 ms. Sockets of the default hub, which never ends, stay open.
//
// gevent's wait_read and wait_write on raw descriptors are gevent.WaitRead
// and gevent.WaitWrite in the root package; select and poll are in package
// gselect.
package socket
