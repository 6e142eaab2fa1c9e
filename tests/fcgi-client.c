/*
 * fcgi-client: a FastCGI peer for tests, which can also misbehave.
 *
 *   fcgi-client [-k] [-n N] [-s BYTES] [-x hostile|values|role]
 *       [-p NAME=VALUE]... [-b BODY] [-B SIZE] SOCKET
 *
 * Sends a responder request to the unix SOCKET (POST /hooks/open unless
 * -p sets REQUEST_URI and the rest), N times on one connection in one
 * write with -n (FCGI_KEEP_CONN with -k or -n), and prints the status
 * of each answer, one a line.  -b BODY, or -B SIZE bytes of 'x', is the
 * body, with its CONTENT_LENGTH.
 *   -s BYTES  send only the first BYTES of the stream, then wait: prints
 *             "closed MS" when the receiver closes (MS since connecting)
 *   -x hostile  a PARAMS pair whose two lengths (0x40000000 each) add
 *             up past INT_MAX; prints "closed" or the status
 *   -x values   GET_VALUES; prints the pairs of the result
 *   -x role     a request of the FastCGI filter role; prints the
 *             END_REQUEST protocol status
 * Prints "closed" for a connection closed without an answer.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct buf {
	unsigned char	*p;
	size_t		 len, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	while (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 4096;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			err(2, "realloc");
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
record(struct buf *b, int type, int id, const void *p, size_t n)
{
	unsigned char	h[8] = { 1, (unsigned char)type, (unsigned char)(id >> 8),
	    (unsigned char)id, (unsigned char)(n >> 8), (unsigned char)n, 0, 0 };

	put(b, h, 8);
	put(b, p, n);
}

/* A stream of type in records of at most 65535 bytes, then an empty one. */
static void
stream(struct buf *b, int type, int id, const unsigned char *p, size_t n)
{
	size_t	chunk;

	while (n > 0) {
		chunk = n > 65535 ? 65535 : n;
		record(b, type, id, p, chunk);
		p += chunk;
		n -= chunk;
	}
	record(b, type, id, NULL, 0);
}

static void
length(struct buf *b, size_t n)
{
	unsigned char	l[4] = { (unsigned char)(n >> 24 | 0x80),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n };

	if (n < 128) {
		l[0] = (unsigned char)n;
		put(b, l, 1);
	} else
		put(b, l, 4);
}

static void
pair(struct buf *b, const char *name, const char *value)
{
	length(b, strlen(name));
	length(b, strlen(value));
	put(b, name, strlen(name));
	put(b, value, strlen(value));
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read one record; 0 at the peer's close. */
static int
read_record(int fd, unsigned char *h, unsigned char *content)
{
	size_t	need = 8, got = 0, n;
	ssize_t	r;

	for (;;) {
		r = read(fd, got < 8 ? h + got : content + got - 8,
		    need - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == ECONNRESET)
			return 0;
		if (r == -1)
			err(2, "read");
		if (r == 0)
			return 0;
		got += (size_t)r;
		if (got == 8) {
			n = (size_t)h[4] << 8 | h[5];
			need = 8 + n + h[6];
		}
		if (got == need && got >= 8)
			return 1;
	}
}

/* Print the status of the next answer, or "closed"; 0 at close. */
static int
answer(int fd)
{
	static unsigned char	content[65536 + 256];
	unsigned char		h[8];
	char			out[65536];
	size_t			len = 0, n;
	int			status;

	while (read_record(fd, h, content)) {
		n = (size_t)h[4] << 8 | h[5];
		if (h[1] == 6 && len + n < sizeof(out)) {	/* STDOUT */
			memcpy(out + len, content, n);
			len += n;
		} else if (h[1] == 3) {				/* END */
			out[len] = '\0';
			if (sscanf(out, "Status: %d", &status) == 1)
				printf("%d\n", status);
			else
				printf("end %d\n", content[4]);
			return 1;
		} else if (h[1] == 10) {		/* GET_VALUES_RESULT */
			unsigned char *p = content;

			while (p + 2 <= content + n) {
				printf("%.*s=%.*s\n", p[0], (char *)p + 2, p[1],
				    (char *)p + 2 + p[0]);
				p += 2 + p[0] + p[1];
			}
			return 1;
		}
	}
	printf("closed\n");
	return 0;
}

static void
send_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return;		/* closed on us: the answer says */
		}
		p += w;
		n -= (size_t)w;
	}
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct buf		 req = { 0 }, params = { 0 }, all = { 0 };
	const char		*body = "hello", *x = NULL, *uri = "/hooks/open";
	char			*big = NULL, cl[32], *eq;
	unsigned char		 begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 }, c;
	long			 stall = -1;
	size_t			 size;
	int			 fd, ch, i, n = 1, keep = 0;
	char			*pv[64];
	int			 np = 0;
	int64_t			 t0;

	while ((ch = getopt(argc, argv, "B:b:kn:p:s:x:")) != -1) {
		switch (ch) {
		case 'B':
			size = strtoul(optarg, NULL, 10);
			if ((big = malloc(size + 1)) == NULL)
				err(2, "malloc");
			memset(big, 'x', size);
			big[size] = '\0';
			body = big;
			break;
		case 'b': body = optarg; break;
		case 'k': keep = 1; break;
		case 'n': n = atoi(optarg); keep = 1; break;
		case 'p':
			if (np < 64)
				pv[np++] = optarg;
			break;
		case 's': stall = atol(optarg); break;
		case 'x': x = optarg; break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		errx(2, "usage: fcgi-client [options] SOCKET");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[optind]);
	/* Before the connection: a deadline counted from it ends later. */
	t0 = now_ms();
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(2, "%s", argv[optind]);

	snprintf(cl, sizeof(cl), "%zu", strlen(body));
	pair(&params, "REQUEST_METHOD", "POST");
	for (i = 0; i < np; i++)
		if (strncmp(pv[i], "REQUEST_URI=", 12) == 0)
			uri = pv[i] + 12;
	pair(&params, "REQUEST_URI", uri);
	pair(&params, "CONTENT_LENGTH", cl);
	for (i = 0; i < np; i++) {
		if ((eq = strchr(pv[i], '=')) == NULL ||
		    strncmp(pv[i], "REQUEST_URI=", 12) == 0)
			continue;
		*eq = '\0';
		pair(&params, pv[i], eq + 1);
		*eq = '=';
	}
	if (x != NULL && strcmp(x, "hostile") == 0) {
		unsigned char l[8] = { 0xc0, 0, 0, 0, 0xc0, 0, 0, 0 };

		put(&params, l, sizeof(l));
		put(&params, "xxxxxxxx", 8);
	}
	if (x != NULL && strcmp(x, "values") == 0) {
		struct buf v = { 0 };

		pair(&v, "FCGI_MPXS_CONNS", "");
		record(&all, 9, 0, v.p, v.len);
		free(v.p);
		n = 0;
	}
	if (x != NULL && strcmp(x, "role") == 0)
		begin[1] = 3;			/* FCGI_FILTER */
	begin[2] = keep;
	for (i = 0; i < n; i++) {
		req.len = 0;
		record(&req, 1, 1, begin, sizeof(begin));
		stream(&req, 4, 1, params.p, params.len);
		stream(&req, 5, 1, (const unsigned char *)body, strlen(body));
		put(&all, req.p, req.len);
	}
	if (stall >= 0 && (size_t)stall < all.len) {
		send_all(fd, all.p, (size_t)stall);
		while ((ch = (int)read(fd, &c, 1)) > 0 || (ch == -1 &&
		    errno == EINTR))
			;
		printf("closed %lld\n", (long long)(now_ms() - t0));
	} else {
		send_all(fd, all.p, all.len);
		if (n == 0)
			n = 1;
		for (i = 0; i < n && answer(fd); i++)
			;
	}
	free(req.p);
	free(params.p);
	free(all.p);
	free(big);
	return 0;
}
