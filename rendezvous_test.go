package gevent_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gevent-go/gevent"
)

// Givers and takers are paired in FIFO order whichever side comes first,
// and each side resumes as gevent's Channel resumes it: the taker with the
// value, then its giver.
func TestRendezvousPairsFIFO(t *testing.T) {
	for _, tc := range []struct {
		name        string
		giversFirst bool
	}{{"givers first", true}, {"takers first", false}} {
		t.Run(tc.name, func(t *testing.T) {
			gevent.Run(func() error {
				var r gevent.Rendezvous[int]
				var log []string
				givers := func() []*gevent.Greenlet[struct{}] {
					var gs []*gevent.Greenlet[struct{}]
					for i := range 3 {
						gs = append(gs, gevent.Go(func() {
							if err := r.Give(i, nil); err != nil {
								t.Errorf("Give(%d): %v", i, err)
							}
							log = append(log, fmt.Sprintf("gave %d", i))
						}))
					}
					return gs
				}
				takers := func() []*gevent.Greenlet[struct{}] {
					var gs []*gevent.Greenlet[struct{}]
					for k := range 3 {
						gs = append(gs, gevent.Go(func() {
							v, err := r.Take(nil)
							if err != nil {
								t.Errorf("Take: %v", err)
							}
							log = append(log, fmt.Sprintf("taker %d took %d", k, v))
						}))
					}
					return gs
				}
				var all []*gevent.Greenlet[struct{}]
				if tc.giversFirst {
					all = append(givers(), takers()...)
				} else {
					all = append(takers(), givers()...)
				}
				gevent.Sleep(0)
				gevent.JoinAll(all)
				// What gevent 22.10 prints for the same program with
				// gevent.queue.Channel, in both orders.
				want := []string{"taker 0 took 0", "gave 0", "taker 1 took 1", "gave 1", "taker 2 took 2", "gave 2"}
				if !slices.Equal(log, want) || r.Balance() != 0 {
					t.Errorf("log %v, want %v; balance %d", log, want, r.Balance())
				}
				return nil
			})
		})
	}
}

// Each side returns the caller's timeout error for its own timeout (an
// error matching ErrTimeout when it gave nil), but a Timeout scope's or a
// kill's error as it is; and neither side loses a value.
func TestRendezvousErrors(t *testing.T) {
	errMine := errors.New("mine")
	gevent.Run(func() error {
		var r gevent.Rendezvous[string]
		if err := r.Give("x", errMine, time.Millisecond); err != errMine {
			t.Errorf("Give own timeout: %v, want errMine", err)
		}
		if _, err := r.Take(errMine, 0); err != errMine {
			t.Errorf("Take own timeout: %v, want errMine", err)
		}
		if err := r.Give("x", nil, 0); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Give nil timeoutErr: %v", err)
		}
		if _, err := r.Take(nil, time.Millisecond); !errors.Is(err, gevent.ErrTimeout) {
			t.Errorf("Take nil timeoutErr: %v", err)
		}
		scope := gevent.NewTimeout(time.Millisecond, nil)
		err := scope.Run(func() error { return r.Give("y", errMine) })
		var sc *gevent.Timeout
		if !errors.As(err, &sc) || sc != scope {
			t.Errorf("Give under a Timeout scope: %v, want the scope", err)
		}
		// A killed giver's value is never taken; a killed taker takes nothing.
		g := gevent.Go(func() { r.Give("lost", nil) })
		gevent.Sleep(0)
		if r.Balance() != 1 {
			t.Errorf("balance %d with one giver waiting", r.Balance())
		}
		g.Kill(nil, true)
		if v, ok := r.TakeNowait(); ok {
			t.Errorf("TakeNowait found %q after the giver was killed", v)
		}
		k := gevent.Go(func() { r.Take(nil) })
		gevent.Sleep(0)
		if r.Balance() != -1 {
			t.Errorf("balance %d with one taker waiting", r.Balance())
		}
		k.Kill(nil, true)
		if r.GiveNowait("z") {
			t.Error("GiveNowait found a taker after it was killed")
		}
		if r.Balance() != 0 {
			t.Errorf("balance %d at the end", r.Balance())
		}
		return nil
	})
}

// From a hub callback, Give and Take complete at once when the other side
// is waiting (resuming it at once), and refuse to block otherwise.
func TestRendezvousFromCallback(t *testing.T) {
	gevent.Run(func() error {
		var r gevent.Rendezvous[int]
		var log []string
		taker := gevent.Go(func() {
			v, err := r.Take(nil)
			log = append(log, fmt.Sprintf("took %d %v", v, err))
		})
		gevent.Sleep(0)
		done := false
		gevent.GetHub().Schedule(func() {
			log = append(log, fmt.Sprint("give: ", r.Give(7, nil)))
			log = append(log, fmt.Sprint("give again: ", r.Give(8, nil)))
			done = true
		})
		for !done {
			gevent.Sleep(0)
		}
		taker.Join()
		want := []string{"took 7 <nil>", "give: <nil>", "give again: " + gevent.ErrBlockingSwitchOut.Error()}
		if !slices.Equal(log, want) {
			t.Errorf("log %q, want %q", log, want)
		}

		log = nil
		giver := gevent.Go(func() { log = append(log, fmt.Sprint("gave: ", r.Give(9, nil))) })
		gevent.Sleep(0)
		done = false
		gevent.GetHub().Schedule(func() {
			v, err := r.Take(nil)
			log = append(log, fmt.Sprintf("take: %d %v", v, err))
			_, err = r.Take(nil)
			log = append(log, fmt.Sprint("take again: ", err))
			done = true
		})
		for !done {
			gevent.Sleep(0)
		}
		giver.Join()
		want = []string{"gave: <nil>", "take: 9 <nil>", "take again: " + gevent.ErrBlockingSwitchOut.Error()}
		if !slices.Equal(log, want) {
			t.Errorf("log %q, want %q", log, want)
		}
		return nil
	})
}

// A Rendezvous belongs to the hub that first used it: a greenlet of another
// hub gets a clear panic, and the owner's state is untouched.
func TestRendezvousOtherHubPanics(t *testing.T) {
	var r gevent.Rendezvous[int]
	gevent.Run(func() error {
		g := gevent.Go(func() { r.Take(nil) })
		gevent.Sleep(0)
		for _, op := range []struct {
			name string
			call func()
		}{
			{"Give", func() { r.Give(1, nil) }},
			{"Take", func() { r.Take(nil, 0) }},
			{"GiveNowait", func() { r.GiveNowait(1) }},
			{"TakeNowait", func() { r.TakeNowait() }},
		} {
			got := make(chan any, 1)
			go func() {
				gevent.Run(func() error {
					defer func() { got <- recover() }()
					op.call()
					return nil
				})
			}()
			if p, _ := (<-got).(string); !strings.Contains(p, "Rendezvous") || !strings.Contains(p, "another hub") {
				t.Errorf("%s from another hub: panic %q", op.name, p)
			}
		}
		if r.Balance() != -1 {
			t.Errorf("balance %d, want the one taker still waiting", r.Balance())
		}
		if !r.GiveNowait(5) {
			t.Error("the owner's taker is gone")
		}
		return g.Join()
	})
}

// Under random interleavings of gives and takes, with timeouts, kills,
// Timeout scopes and the non-blocking forms from hub callbacks, every value
// whose Give (or GiveNowait) succeeded is taken exactly once, by a Take (or
// TakeNowait) that succeeded, and no failed Give's value is ever taken.
func TestRendezvousNothingLostRandom(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			gevent.Run(func() error {
				var r gevent.Rendezvous[int]
				given, taken := map[int]bool{}, map[int]int{}
				failed := map[int]bool{}
				next := 0
				timeout := func() []time.Duration {
					switch rng.IntN(4) {
					case 0:
						return []time.Duration{0}
					case 1:
						return []time.Duration{time.Duration(rng.IntN(300)) * time.Microsecond}
					}
					return nil // forever: ended by a kill or a scope, or paired
				}
				var gs []*gevent.Greenlet[struct{}]
				for range 200 {
					switch rng.IntN(5) {
					case 0, 1:
						v := next
						next++
						d := timeout()
						gs = append(gs, gevent.Go(func() {
							if err := r.Give(v, nil, d...); err != nil {
								failed[v] = true
								return
							}
							given[v] = true
						}))
					case 2, 3:
						d := timeout()
						gs = append(gs, gevent.Go(func() {
							if v, err := r.Take(nil, d...); err == nil {
								taken[v]++
							}
						}))
					case 4:
						v := next
						next++
						gevent.GetHub().Schedule(func() {
							if rng.IntN(2) == 0 {
								if r.GiveNowait(v) {
									given[v] = true
								} else {
									failed[v] = true
								}
							} else if v, ok := r.TakeNowait(); ok {
								taken[v]++
							}
						})
					}
					if rng.IntN(8) == 0 && len(gs) > 0 {
						gs[rng.IntN(len(gs))].Kill(nil, false)
					}
					if rng.IntN(4) == 0 {
						gevent.Sleep(time.Duration(rng.IntN(2)) * 100 * time.Microsecond)
					}
				}
				// Settle: end every blocked greenlet with a kill.
				gevent.Sleep(time.Millisecond)
				gevent.KillAll(gs, nil, true)
				for v, n := range taken {
					if n != 1 || !given[v] || failed[v] {
						t.Errorf("value %d taken %d times; given %v, failed %v", v, n, given[v], failed[v])
					}
				}
				for v := range given {
					if taken[v] != 1 {
						t.Errorf("value %d given but taken %d times", v, taken[v])
					}
				}
				t.Logf("%d values given and taken, %d gives failed", len(given), len(failed))
				if r.Balance() != 0 {
					t.Errorf("balance %d after every greenlet ended", r.Balance())
				}
				return nil
			})
		})
	}
}

// A kill pending when Give starts is Give's error even when a taker waits
// (Give would hand its value over without blocking): the value stays with
// the giver. Regression: such a giver never saw its kill while takers kept
// waiting for it (a Channel with 2 producers and 2 consumers could not be
// killed).
func TestRendezvousGiveDeliversPendingKill(t *testing.T) {
	errStop := errors.New("stop")
	err := gevent.Run(func() error {
		gevent.GetHub().SetErrorHandler(func(gevent.AnyGreenlet, error) {})
		var r gevent.Rendezvous[int]
		var got []int
		taker := gevent.Go(func() {
			for {
				v, err := r.Take(nil)
				if err != nil {
					return
				}
				got = append(got, v)
			}
		})
		var giveErr error
		giver := gevent.Go(func() {
			// Wait for the taker, then get killed while not blocked.
			gevent.Sleep(0)
			gevent.Sleep(0)
			for i := 0; i < 1000; i++ {
				if giveErr = r.Give(i, nil); giveErr != nil {
					return
				}
				if i == 2 {
					gevent.GetCurrent().(*gevent.Greenlet[struct{}]).Kill(errStop, false)
				}
			}
		})
		if err := giver.Join(5 * time.Second); err != nil {
			return fmt.Errorf("giver not dead: %v", err)
		}
		taker.Kill(nil, true)
		if !errors.Is(giveErr, errStop) {
			return fmt.Errorf("Give after a kill returned %v, want the kill", giveErr)
		}
		if len(got) > 4 {
			return fmt.Errorf("taker got %v: values given after the kill", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
