//go:build race

package reliability

// raceEnabled reports a build with the race detector.
const raceEnabled = true
