/*
 * check_util: what several Check suites need: a scratch directory made
 * and removed, files written and read whole, and (with CHECK_UTIL_VERIFY
 * defined before the include) the fixture of the verify suites, or
 * (with CHECK_UTIL_EVENT) the event a filter or a command is given.
 * Every helper asserts its own success, so a test reads as its steps.
 */
#ifndef HOOKSPOOL_CHECK_UTIL_H
#define HOOKSPOOL_CHECK_UTIL_H

#include <sys/stat.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

/*
 * A new directory $TMPDIR/NAME.XXXXXX (/tmp without TMPDIR), 0700.  In
 * static storage, one per suite, each call a new one: the suites fork,
 * and a child must not hold heap blocks valgrind would call lost.
 */
static inline char *
tmpdir_new(const char *name)
{
	static char	 dir[256];
	const char	*tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	ck_assert_int_lt(snprintf(dir, sizeof(dir), "%s/%s.XXXXXX", tmp,
	    name), (int)sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

/* Directories first made ours to enter and empty (a test may chmod). */
static inline int
tmpdir_open_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static inline int
tmpdir_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* dir and everything below it gone; links are removed, not followed. */
static inline void
tmpdir_rm(const char *dir)
{
	(void)nftw(dir, tmpdir_open_one, 16, FTW_PHYS);
	(void)nftw(dir, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ck_assert_msg(access(dir, F_OK) == -1, "%s is still there", dir);
}

/* dir/name, malloc'd. */
static inline char *
path_of(const char *dir, const char *name)
{
	size_t	 len = strlen(dir) + strlen(name) + 2;
	char	*p;

	p = malloc(len);
	ck_assert_ptr_nonnull(p);
	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

/* path holds exactly len bytes of data, at mode. */
static inline void
file_put(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE	*fp;

	fp = fopen(path, "wb");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/*
 * The whole of path, malloc'd and NUL-terminated, its length in *len
 * (without the NUL; len may be NULL); NULL if it cannot be opened.
 */
static inline char *
file_slurp(const char *path, size_t *len)
{
	struct stat	 st;
	FILE		*fp;
	char		*buf;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	ck_assert_int_eq(fstat(fileno(fp), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)st.st_size, fp),
	    (size_t)st.st_size);
	buf[st.st_size] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)st.st_size;
	return buf;
}

/* dir/name, whole (file_slurp); it must be there. */
static inline char *
file_slurp_in(const char *dir, const char *name, size_t *len)
{
	char	*path = path_of(dir, name), *buf;

	buf = file_slurp(path, len);
	ck_assert_msg(buf != NULL, "%s: %s", path, strerror(errno));
	free(path);
	return buf;
}

/*
 * A test that cannot run here (it needs root, say) ends with a SKIP line
 * in the suite's log instead of passing in silence.  Check counts it as
 * passed: it has no skipped state of its own.
 */
#define CHECK_SKIP(why) do {						\
	fprintf(stderr, "SKIP %s: %s\n", __func__, (why));		\
	return;								\
} while (0)

#ifdef CHECK_UTIL_VERIFY
/*
 * The verify suites' fixture: a struct verify_conf built by hand (so
 * they do not depend on conf.c), up to 4 secrets, the request's headers and the
 * last result, at a fixed clock (FX_NOW).  fx_setup and fx_teardown are
 * the checked fixture; what a test gave fx to own goes with it.
 */
#include <openssl/evp.h>

#include "conf.h"
#include "header.h"
#include "verify.h"

#define FX_NOW		1700000000

struct fixture {
	struct verify_conf	vc;
	struct secret		secrets[4];
	unsigned char		*owned[4];	/* decoded whsec_ secrets */
	EVP_PKEY		*keys[4];	/* ed25519 public keys */
	struct header_list	hl;
	struct verify_result	res;
	char			*token;		/* a jwt suite's token */
};

static struct fixture	fx;

static inline void
fx_setup(void)
{
	memset(&fx, 0, sizeof(fx));
}

static inline void
fx_teardown(void)
{
	size_t	i;

	header_list_free(&fx.hl);
	for (i = 0; i < 4; i++) {
		free(fx.owned[i]);
		EVP_PKEY_free(fx.keys[i]);
	}
	verify_result_clear(&fx.res);
	EVP_PKEY_free(fx.vc.jwt_key);
	free(fx.token);
}

/* A check of scheme, without secrets yet. */
static inline void
fx_scheme(const char *scheme)
{
	fx.vc.scheme = verify_scheme_find(scheme);
	ck_assert_ptr_nonnull(fx.vc.scheme);
	fx.vc.secrets = fx.secrets;
	fx.vc.nsecrets = 0;
}

/* One more secret (rotation: every one is tried). */
static inline void
fx_secret(const char *secret)
{
	ck_assert_uint_lt(fx.vc.nsecrets, 4);
	fx.secrets[fx.vc.nsecrets].data = (unsigned char *)secret;
	fx.secrets[fx.vc.nsecrets].len = strlen(secret);
	fx.vc.nsecrets++;
}

static inline void
fx_header(const char *name, const char *value)
{
	ck_assert_int_eq(header_add(&fx.hl, name, value), 0);
}

/* verify_request on body at now; claims come from jwt alone. */
static inline enum verify_status
fx_verify_at(const char *body, time_t now)
{
	enum verify_status	st;

	verify_result_clear(&fx.res);
	st = verify_request(&fx.vc, &fx.hl, (const unsigned char *)body,
	    strlen(body), now, &fx.res);
	if (strcmp(fx.vc.scheme->name, "jwt") != 0)
		ck_assert_ptr_null(fx.res.claims);
	return st;
}

static inline enum verify_status
fx_verify(const char *body)
{
	return fx_verify_at(body, FX_NOW);
}

/* The detail never echoes a secret or (8 bytes of) a signature. */
static inline void
fx_assert_clean(const char *secret, const char *sig)
{
	char	part[9];

	if (secret != NULL && *secret != '\0')
		ck_assert_ptr_null(strstr(fx.res.detail, secret));
	if (sig != NULL && strlen(sig) >= 8) {
		memcpy(part, sig, 8);
		part[8] = '\0';
		ck_assert_ptr_null(strstr(fx.res.detail, part));
	}
}
#endif /* CHECK_UTIL_VERIFY */

#ifdef CHECK_UTIL_EVENT
/*
 * The event a filter or a command sees: POST /hooks/github, with the
 * headers and payload a test gives it.  ev_setup and ev_teardown are the
 * checked fixture.
 */
#include <jansson.h>

#include "filter.h"
#include "header.h"

static struct header_list	 hl;
static json_t			*payload;
static struct filter_event	 ev;

static inline void
ev_setup(void)
{
	memset(&hl, 0, sizeof(hl));
	payload = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.path = "/hooks/github";
	ev.method = "POST";
	ev.headers = &hl;
}

static inline void
ev_teardown(void)
{
	header_list_free(&hl);
	json_decref(payload);
}

/* The payload as receive parses a body: NULL if json is not JSON. */
static inline void
ev_body(const char *json)
{
	json_decref(payload);
	payload = filter_payload_parse(json, strlen(json));
	ev.payload = payload;
}
#endif /* CHECK_UTIL_EVENT */

#endif
