package gevent

// Which goroutine may call what: see docs/THREADS.md. The checks below cost
// one identity lookup (current, a few ns) and are made by the entry points
// that must run on a hub's goroutines and do not already look the caller up.

// useInstead ends the panic messages for a call from the wrong goroutine.
const useInstead = "call it from a greenlet of that hub: hand work to it with Hub.Submit, or a callback with Hub.Post"

// mustOn panics unless the caller is a greenlet or a callback of h; obj
// names what belongs to h in the message ("greenlet", "timeout"...).
func (h *Hub) mustOn(op, obj string) {
	if c := current(); c == nil || c.hub != h {
		wrongHub(op, obj)
	}
}

// wrongHub panics for a call of op from a goroutine that is not a greenlet
// or a callback of the hub obj belongs to.
func wrongHub(op, obj string) {
	panic("gevent: " + op + " called from a goroutine that is not a greenlet of the " + obj + "'s hub; " + useInstead)
}

// own panics unless the caller may use g: a greenlet or a callback of g's
// hub. A greenlet not started yet belongs to no hub: any goroutine may.
func (g *greenlet) own(op string) {
	if g.hub != nil {
		g.hub.mustOn(op, "greenlet")
	}
}

// mustSetup is mustOn for the setters that may also be called before h
// runs (from any goroutine that does not share h yet).
func (h *Hub) mustSetup(op string) {
	if h.main != nil {
		h.mustOn(op, "hub")
	}
}
