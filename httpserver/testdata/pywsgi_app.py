# The application of TestSideBySidePywsgi under real gevent pywsgi; the Go
# side serves the same routes (sideBySideHandler). Prints the port.
from gevent.pywsgi import WSGIServer


def app(env, start_response):
    path = env['PATH_INFO']
    if path == '/':
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [b'hello ', b'world']
    if path == '/echo':
        try:
            body = env['wsgi.input'].read()
        except Exception as ex:  # a bad chunk, a short body
            start_response('400 Bad Request', [('Content-Type', 'text/plain')])
            return [b'read error']
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [env['REQUEST_METHOD'].encode() + b' ' + body]
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [b'not ', b'found']


server = WSGIServer(('127.0.0.1', 0), app, log=None, error_log=None)
server.start()
print(server.server_port, flush=True)
server.serve_forever()  # until the test kills us
