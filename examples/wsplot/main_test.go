package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gevent-go/gevent/internal/webtest"
	gorilla "github.com/gorilla/websocket"
)

func start(t *testing.T, interval time.Duration) *webtest.Server {
	return webtest.Start(t, func() (http.Handler, error) { return routes(interval), nil })
}

// TestPoints: a gorilla client gets consecutive x and y in 1..5.
func TestPoints(t *testing.T) {
	ts := start(t, 10*time.Millisecond)
	c, _, err := gorilla.DefaultDialer.Dial("ws://"+ts.Addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < 5; i++ {
		var p point
		if err := c.ReadJSON(&p); err != nil {
			t.Fatal(err)
		}
		if p.X != i || p.Y < 1 || p.Y > 5 {
			t.Fatalf("point %d: %+v", i, p)
		}
	}
}

// TestPythonWebsocketsClient: Python's websockets library (Debian
// python3-websockets) as a non-browser client.
func TestPythonWebsocketsClient(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import websockets").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-websockets is not installed (CI=true): run scripts/deps.sh")
		}
		t.Skip("python3-websockets is not installed")
	}
	ts := start(t, 10*time.Millisecond)
	script := `
import asyncio, json, sys
import websockets

async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        for i in range(3):
            p = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert p["x"] == i and 1 <= p["y"] <= 5, p
            print(p["x"])

asyncio.run(main())
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, "ws://"+ts.Addr+"/ws").CombinedOutput()
	if err != nil || strings.Fields(string(out))[2] != "2" {
		t.Fatalf("%v: %s", err, out)
	}
}

// TestBrowserPlot: headless chromium loads the page; points arrive and
// are plotted.
func TestBrowserPlot(t *testing.T) {
	ctx := webtest.Browser(t)
	ts := start(t, 100*time.Millisecond)
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if _, err := chromedp.Run(tab, chromedp.Navigate(ts.URL("/"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById('log').textContent.startsWith("points: 3")`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatal(err)
	}
	logText, err := chromedp.Run(tab, chromedp.Text("#log"))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(logText, "last: ")
	var p point
	if i < 0 || json.Unmarshal([]byte(logText[i+6:]), &p) != nil || p.Y < 1 || p.Y > 5 {
		t.Fatalf("log %q", logText)
	}
	webtest.Screenshot(t, "wsplot", shot)
}
