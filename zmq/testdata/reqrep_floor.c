/* reqrep_floor: what libzmq itself allows for a REQ/REP round trip over
 * tcp loopback on this machine (issue 18; docs/BENCHMARKS.md, "What bounds
 * the tcp REQ/REP round trip"). Build and run: make -C zmq/testdata floor
 *
 *   threads        REQ in the main thread, REP in a second thread, one
 *                  context, blocking zmq_send/zmq_recv (what the zmq4
 *                  goroutine pair does).
 *   poll           one thread owns both sockets and switches between them
 *                  with zmq_poll, as one hub does with its two greenlets:
 *                  send on REQ, poll REP, recv+send on REP, poll REQ, recv.
 *   poll-spin N    the same, but before a blocking zmq_poll it polls with a
 *                  zero timeout for up to N µs (the hub's BusyPoll).
 *   poll-yield N   poll-spin with sched_yield between the polls (lets a
 *                  thread waiting for this CPU, libzmq's I/O thread, run).
 *   threads-spin N the two-thread case, each side spinning on
 *                  zmq_recv(DONTWAIT) for up to N µs before it blocks.
 *
 * Prints wall µs and process CPU µs (all threads) per round trip.
 * Usage: reqrep_floor MODE [spin-µs] [round-trips] [io-threads]
 *
 *   reqrep_floor client ENDPOINT N PERIOD-µs
 * is a REQ client for a server elsewhere (BenchmarkReqRepSparse): one
 * round trip to connect, then N round trips, one every PERIOD µs; it
 * prints the mean round trip in ns on stdout.
 */
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <errno.h>
#include <sched.h>
#include <sys/resource.h>

static double now_us(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

static void die(const char *what) {
	fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
	exit(1);
}

static long spin_us;
static long n;
static int yield; /* poll-yield: sched_yield between polls */

/* recv_spin receives one message into buf, spinning on DONTWAIT for up to
 * spin_us before a blocking receive. */
static int recv_spin(void *s, char *buf, size_t len) {
	if (spin_us > 0) {
		double t0 = now_us();
		for (;;) {
			int r = zmq_recv(s, buf, len, ZMQ_DONTWAIT);
			if (r >= 0)
				return r;
			if (zmq_errno() != EAGAIN)
				die("zmq_recv");
			if (now_us() - t0 >= spin_us)
				break;
		}
	}
	int r = zmq_recv(s, buf, len, 0);
	if (r < 0)
		die("zmq_recv");
	return r;
}

static void *rep_thread(void *arg) {
	void *rep = arg;
	char buf[64];
	for (long i = 0; i < n; i++) {
		int r = recv_spin(rep, buf, sizeof buf);
		if (zmq_send(rep, buf, r, 0) < 0)
			die("zmq_send rep");
	}
	return NULL;
}

/* wait_in waits until s is readable, as the hub does: zmq_poll with zero
 * timeout for up to spin_us, then a blocking zmq_poll. */
static void wait_in(void *s) {
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	if (spin_us > 0) {
		double t0 = now_us();
		do {
			if (zmq_poll(&it, 1, 0) > 0)
				return;
			if (yield)
				sched_yield();
		} while (now_us() - t0 < spin_us);
	}
	if (zmq_poll(&it, 1, -1) < 0)
		die("zmq_poll");
}

static int client(int argc, char **argv) {
	if (argc < 5) {
		fprintf(stderr, "usage: reqrep_floor client ENDPOINT N PERIOD-us\n");
		return 2;
	}
	long cn = atol(argv[3]);
	double period = atof(argv[4]);
	void *ctx = zmq_ctx_new();
	void *req = zmq_socket(ctx, ZMQ_REQ);
	if (zmq_connect(req, argv[2]) < 0)
		die("connect");
	char msg[] = "0123456789abcdef", buf[64];
	double rtt = 0, next = now_us();
	for (long i = 0; i <= cn; i++) {
		double d = next - now_us();
		if (d > 0) {
			struct timespec ts = {(time_t)(d / 1e6), (long)((d - (long)(d / 1e6) * 1e6) * 1e3)};
			nanosleep(&ts, NULL);
		}
		next += period;
		double t = now_us();
		if (zmq_send(req, msg, 16, 0) < 0)
			die("zmq_send");
		if (zmq_recv(req, buf, sizeof buf, 0) < 0)
			die("zmq_recv");
		if (i > 0)
			rtt += now_us() - t;
	}
	printf("%.0f\n", rtt / cn * 1e3);
	zmq_close(req);
	zmq_ctx_term(ctx);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: reqrep_floor threads|poll|poll-spin|threads-spin [spin-us] [n] [io-threads]\n");
		return 2;
	}
	const char *mode = argv[1];
	if (strcmp(mode, "client") == 0)
		return client(argc, argv);
	spin_us = argc > 2 ? atol(argv[2]) : 0;
	n = argc > 3 ? atol(argv[3]) : 20000;
	int iot = argc > 4 ? atoi(argv[4]) : 1;
	void *ctx = zmq_ctx_new();
	zmq_ctx_set(ctx, ZMQ_IO_THREADS, iot);
	void *rep = zmq_socket(ctx, ZMQ_REP);
	void *req = zmq_socket(ctx, ZMQ_REQ);
	if (zmq_bind(rep, "tcp://127.0.0.1:*") < 0)
		die("bind");
	char ep[256];
	size_t epl = sizeof ep;
	zmq_getsockopt(rep, ZMQ_LAST_ENDPOINT, ep, &epl);
	if (zmq_connect(req, ep) < 0)
		die("connect");
	char msg[] = "0123456789abcdef", buf[64];
	/* warm up: one round trip establishes the connection */
	zmq_send(req, msg, 16, 0);
	zmq_recv(rep, buf, sizeof buf, 0);
	zmq_send(rep, buf, 16, 0);
	zmq_recv(req, buf, sizeof buf, 0);

	double t0 = now_us(), c0 = cpu_us();
	if (strncmp(mode, "threads", 7) == 0) {
		if (strcmp(mode, "threads") == 0)
			spin_us = 0;
		pthread_t th;
		pthread_create(&th, NULL, rep_thread, rep);
		for (long i = 0; i < n; i++) {
			if (zmq_send(req, msg, 16, 0) < 0)
				die("zmq_send req");
			recv_spin(req, buf, sizeof buf);
		}
		pthread_join(th, NULL);
	} else if (strncmp(mode, "poll", 4) == 0) {
		if (strcmp(mode, "poll") == 0)
			spin_us = 0;
		yield = strcmp(mode, "poll-yield") == 0;
		for (long i = 0; i < n; i++) {
			if (zmq_send(req, msg, 16, 0) < 0)
				die("zmq_send req");
			wait_in(rep);
			int r = zmq_recv(rep, buf, sizeof buf, ZMQ_DONTWAIT);
			if (r < 0)
				die("zmq_recv rep");
			if (zmq_send(rep, buf, r, 0) < 0)
				die("zmq_send rep");
			wait_in(req);
			if (zmq_recv(req, buf, sizeof buf, ZMQ_DONTWAIT) < 0)
				die("zmq_recv req");
		}
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	double wall = now_us() - t0, cpu = cpu_us() - c0;
	printf("%-13s spin=%3ldus n=%ld: %7.1f us/round-trip wall, %7.1f us CPU\n", mode, spin_us, n, wall / n, cpu / n);
	zmq_close(req);
	zmq_close(rep);
	zmq_ctx_term(ctx);
	return 0;
}
