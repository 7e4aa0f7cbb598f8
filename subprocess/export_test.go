package subprocess

// Buffered returns how many bytes Communicate's readers have read.
func Buffered(p *Popen) int { return p.buffered }
