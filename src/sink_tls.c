/*
 * sink_tls: a sink's connection to Redis over TLS (rediss://), with
 * OpenSSL for the connection and hiredis only to write commands and to
 * read answers (the hiredis of Debian 12 has no TLS of its own).
 * Blocking, like the hiredis contexts of plain connections: each read
 * and write waits up to the sink's timeout (SO_RCVTIMEO, SO_SNDTIMEO).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "sink.h"
#include "sink_tls.h"

struct sink_tls {
	SSL_CTX		*ctx;
	SSL		*ssl;
	int		 fd;
	int		 timeout;	/* seconds */
	redisReader	*reader;
	char		*out;		/* commands not yet sent */
	size_t		 outlen, outcap;
	char		 error[SINK_ERROR_MAX];
};

/* The error of the last OpenSSL call (or errno's), into t->error. */
static void
tls_error(struct sink_tls *t, const char *what)
{
	unsigned long	e = ERR_get_error();
	char		buf[160];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(t->error, sizeof(t->error), "%s: %s", what, buf);
	} else if (errno == EAGAIN || errno == EWOULDBLOCK)
		snprintf(t->error, sizeof(t->error), "%s: no answer within "
		    "the timeout (%d s)", what, t->timeout);
	else if (errno != 0)
		snprintf(t->error, sizeof(t->error), "%s: %s", what,
		    strerror(errno));
	else
		snprintf(t->error, sizeof(t->error), "%s: connection closed",
		    what);
	ERR_clear_error();
}

/* A TCP connection to host:port, made within ctimeout seconds. */
static int
tcp_connect(const char *host, int port, int ctimeout, char *err,
    size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	struct pollfd	 pfd;
	char		 service[16];
	socklen_t	 sl;
	int		 fd = -1, rc, soerr = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			sl = sizeof(soerr);
			if (poll(&pfd, 1, ctimeout * 1000) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) == 0 && soerr == 0)
				break;
			errno = soerr != 0 ? soerr : ETIMEDOUT;
		}
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int
tls_setup(struct sink_tls *t, const struct sink_conf *sc)
{
	const char	*name = sc->tls_server_name != NULL ?
			    sc->tls_server_name : sc->host;
	unsigned char	 addr[16];
	int		 is_ip;

	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    !SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION)) {
		tls_error(t, "TLS");
		return -1;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if ((sc->tls_ca_file != NULL ? SSL_CTX_load_verify_locations(t->ctx,
	    sc->tls_ca_file, NULL) : SSL_CTX_set_default_verify_paths(
	    t->ctx)) != 1) {
		tls_error(t, "TLS CA");
		return -1;
	}
	if (sc->tls_cert_file != NULL && (SSL_CTX_use_certificate_chain_file(
	    t->ctx, sc->tls_cert_file) != 1 || SSL_CTX_use_PrivateKey_file(
	    t->ctx, sc->tls_key_file, SSL_FILETYPE_PEM) != 1)) {
		tls_error(t, "TLS client certificate");
		return -1;
	}
	if ((t->ssl = SSL_new(t->ctx)) == NULL ||
	    SSL_set_fd(t->ssl, t->fd) != 1) {
		tls_error(t, "TLS");
		return -1;
	}
	/* The name the certificate must have: an address, or a host name
	 * (also sent as SNI). */
	is_ip = inet_pton(AF_INET, name, addr) == 1 ||
	    inet_pton(AF_INET6, name, addr) == 1;
	if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
	    name) != 1 : (SSL_set_tlsext_host_name(t->ssl, name) != 1 ||
	    SSL_set1_host(t->ssl, name) != 1)) {
		tls_error(t, "TLS server name");
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	if (SSL_connect(t->ssl) != 1) {
		tls_error(t, "TLS handshake");
		if (SSL_get_verify_result(t->ssl) != X509_V_OK)
			snprintf(t->error, sizeof(t->error), "TLS handshake: "
			    "certificate of %s: %s", name,
			    X509_verify_cert_error_string(
			    SSL_get_verify_result(t->ssl)));
		return -1;
	}
	return 0;
}

struct sink_tls *
sink_tls_connect(const struct sink_conf *sc, int ctimeout, int timeout,
    char *err, size_t errlen)
{
	struct sink_tls	*t;
	struct timeval	 tv = { timeout, 0 };

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->timeout = timeout;
	if ((t->fd = tcp_connect(sc->host, sc->port, ctimeout, err,
	    errlen)) == -1) {
		free(t);
		return NULL;
	}
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((t->reader = redisReaderCreate()) == NULL) {
		snprintf(t->error, sizeof(t->error), "out of memory");
		goto fail;
	}
	if (tls_setup(t, sc) == -1)
		goto fail;
	return t;
fail:
	snprintf(err, errlen, "%s", t->error);
	sink_tls_free(t);
	return NULL;
}

int
sink_tls_append(struct sink_tls *t, int argc, const char **argv,
    const size_t *len)
{
	char	*cmd, *nb;
	int	 n;
	size_t	 cap;

	if ((n = redisFormatCommandArgv(&cmd, argc, argv, len)) < 0)
		return -1;
	if ((size_t)n > t->outcap - t->outlen) {
		for (cap = t->outcap ? t->outcap : 16384;
		    cap - t->outlen < (size_t)n; cap *= 2)
			continue;
		if ((nb = realloc(t->out, cap)) == NULL) {
			free(cmd);
			return -1;
		}
		t->out = nb;
		t->outcap = cap;
	}
	memcpy(t->out + t->outlen, cmd, (size_t)n);
	t->outlen += (size_t)n;
	free(cmd);
	return 0;
}

static int
flush(struct sink_tls *t)
{
	size_t	off = 0;
	int	n;

	while (off < t->outlen) {
		errno = 0;
		n = SSL_write(t->ssl, t->out + off, (int)(t->outlen - off >
		    INT32_MAX ? INT32_MAX : t->outlen - off));
		if (n <= 0) {
			tls_error(t, "TLS write");
			return -1;
		}
		off += (size_t)n;
	}
	t->outlen = 0;
	return 0;
}

int
sink_tls_reply(struct sink_tls *t, redisReply **out)
{
	void	*r = NULL;
	char	 buf[16384];
	int	 n;

	*out = NULL;
	if (t->outlen > 0 && flush(t) == -1)
		return -1;
	for (;;) {
		if (redisReaderGetReply(t->reader, &r) != REDIS_OK) {
			snprintf(t->error, sizeof(t->error), "protocol: %s",
			    t->reader->errstr);
			return -1;
		}
		if (r != NULL) {
			*out = r;
			return 0;
		}
		errno = 0;
		if ((n = SSL_read(t->ssl, buf, sizeof(buf))) <= 0) {
			tls_error(t, "TLS read");
			return -1;
		}
		if (redisReaderFeed(t->reader, buf, (size_t)n) != REDIS_OK) {
			snprintf(t->error, sizeof(t->error), "out of memory");
			return -1;
		}
	}
}

const char *
sink_tls_error(const struct sink_tls *t)
{
	return t->error;
}

void
sink_tls_free(struct sink_tls *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	if (t->ctx != NULL)
		SSL_CTX_free(t->ctx);
	if (t->fd != -1)
		close(t->fd);
	if (t->reader != NULL)
		redisReaderFree(t->reader);
	free(t->out);
	free(t);
}
