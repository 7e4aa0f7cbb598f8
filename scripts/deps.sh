#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, if they are missing:
# real gevent for the conformance tests, and the servers that the
# integration tests start on loopback (redis-server, dnsmasq) and netcat;
# for the zmq module (cgo over libzmq), libzmq's headers, pkg-config and
# pyzmq (the peers of its tests and real zmq.green for its conformance pair);
# chromium for the web examples' browser tests (driven by chromedp) and
# python3-websockets as a non-browser WebSocket client; for the bench
# harness's HTTP rows (go run ./bench), wrk (the load generator) and
# requests (the Python client under gevent), and gevent-websocket (the
# WebSocket rows' Python server).
set -euo pipefail
need=()
/usr/bin/python3 -c 'import gevent' 2>/dev/null || need+=(python3-gevent)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
[ -f /usr/include/zmq.h ] || need+=(libzmq3-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
/usr/bin/python3 -c 'import zmq' 2>/dev/null || need+=(python3-zmq)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
/usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
/usr/bin/python3 -c 'import requests' 2>/dev/null || need+=(python3-requests)
/usr/bin/python3 -c 'import geventwebsocket' 2>/dev/null || need+=(python3-gevent-websocket)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # dnsmasq's Debian package starts a system service on port 53; the tests
  # run their own instance and need none.
  $SUDO systemctl disable --now dnsmasq >/dev/null 2>&1 || true
fi
