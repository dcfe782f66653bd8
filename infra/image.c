/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image.h"
#include "bundle.h"
#include "fs.h"
#include "image_sha256.h"
#include "image_tar.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <zlib.h>

/* Manifests, configs and indexes are small; a bigger "JSON" blob is not one we want. */
#define MAX_JSON_BLOB (4 << 20)
#define CACHE_LOCK "lock"

#if defined(__x86_64__)
#define OCI_ARCH "amd64"
#elif defined(__aarch64__)
#define OCI_ARCH "arm64"
#elif defined(__i386__)
#define OCI_ARCH "386"
#elif defined(__arm__)
#define OCI_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define OCI_ARCH "ppc64le"
#elif defined(__s390x__)
#define OCI_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define OCI_ARCH "riscv64"
#else
#define OCI_ARCH "unknown"
#endif

struct desc {
	const char *media_type;
	const char *digest; /* "sha256:<64 hex>", checked */
	int64_t size;
};

void lr_image_free(struct lr_image *img)
{
	if (!img)
		return;
	free(img->layout);
	free(img->digest);
	free(img->rootfs);
	rci_strv_free(img->args);
	rci_strv_free(img->env);
	free(img);
}

const char *lr_image_getenv(const struct lr_image *img, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; img && img->env && img->env[i]; i++)
		if (!strncmp(img->env[i], name, n) && img->env[i][n] == '=')
			return img->env[i] + n + 1;
	return NULL;
}

/* Only sha256 digests: what the OCI spec requires implementations to support. */
static bool digest_ok(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int parse_desc(json_object *o, const char *what, struct desc *d, rci_error_t *err)
{
	json_object *size;
	d->media_type = rci_json_get_string(o, "mediaType");
	d->digest = rci_json_get_string(o, "digest");
	if (!json_object_is_type(o, json_type_object) || !d->media_type || !digest_ok(d->digest) ||
	    !json_object_object_get_ex(o, "size", &size) ||
	    !json_object_is_type(size, json_type_int) || json_object_get_int64(size) < 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "%s: not a descriptor with mediaType, a sha256 digest "
					   "and size",
					   what);
	d->size = json_object_get_int64(size);
	return 0;
}

static int open_blob(int layout, const struct desc *d, rci_error_t *err)
{
	cleanup_free char *rel = xasprintf("blobs/sha256/%s", d->digest + 7);
	/* No symlinks anywhere below the layout: a blob is a plain file in place. */
	int fd = openat(layout, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rci_make_error(err, errno, "blob `%s`", rel);
	return fd;
}

/* Reads a JSON blob, checks its size and digest against @d, and parses it. */
static json_object *read_json_blob(int layout, const struct desc *d, rci_error_t *err, char **raw,
				   size_t *raw_len)
{
	if (d->size > MAX_JSON_BLOB) {
		rci_make_error(err, EFBIG, "blob `%s` of %" PRId64 " bytes", d->digest, d->size);
		return NULL;
	}
	cleanup_close int fd = open_blob(layout, d, err);
	if (fd < 0)
		return NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (rci_read_all_fd(fd, MAX_JSON_BLOB, &text, &len, err) < 0) {
		rci_error_wrap(err, "read blob `%s`", d->digest);
		return NULL;
	}
	struct lr_sha256 s;
	char hex[65];
	lr_sha256_init(&s);
	lr_sha256_update(&s, text, len);
	lr_sha256_hex(&s, hex);
	if ((int64_t)len != d->size || strcmp(hex, d->digest + 7) != 0) {
		rci_make_error(err, 0,
			       "blob `%s` does not match its descriptor: %zu bytes, sha256:%s "
			       "(expected %" PRId64 " bytes)",
			       d->digest, len, hex, d->size);
		return NULL;
	}
	json_object *o = rci_json_parse(text, len, d->digest, err);
	if (o && raw) {
		*raw = text;
		*raw_len = len;
		text = NULL;
	}
	return o;
}

static bool is_index_type(const char *t)
{
	return !strcmp(t, "application/vnd.oci.image.index.v1+json") ||
	       !strcmp(t, "application/vnd.docker.distribution.manifest.list.v2+json");
}

static bool is_manifest_type(const char *t)
{
	return !strcmp(t, "application/vnd.oci.image.manifest.v1+json") ||
	       !strcmp(t, "application/vnd.docker.distribution.manifest.v2+json");
}

static bool platform_ok(json_object *desc)
{
	json_object *p = rci_json_get_type(desc, "platform", json_type_object);
	if (!p)
		return true;
	const char *os = rci_json_get_string(p, "os");
	const char *arch = rci_json_get_string(p, "architecture");
	return (!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, OCI_ARCH));
}

/* Collects the manifest digests of @index (following nested indexes) into @found. */
static int collect_manifests(int layout, json_object *index, int depth, char ***found,
			     rci_error_t *err)
{
	json_object *ms = rci_json_get_type(index, "manifests", json_type_array);
	if (!ms)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "an index without `manifests`");
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		json_object *o = json_object_array_get_idx(ms, i);
		struct desc d;
		cleanup_free char *what = xasprintf("manifests[%zu]", i);
		if (parse_desc(o, what, &d, err) < 0)
			return -1;
		if (!platform_ok(o))
			continue;
		if (is_index_type(d.media_type) && depth < 4) {
			cleanup_json json_object *sub = read_json_blob(layout, &d, err, NULL, NULL);
			if (!sub || collect_manifests(layout, sub, depth + 1, found, err) < 0)
				return -1;
		} else if (is_manifest_type(d.media_type)) {
			/* Triples: media type, digest, size; the same manifest twice is one. */
			bool dup = false;
			size_t n = rci_strv_len(*found);
			for (size_t k = 1; k < n; k += 3)
				dup = dup || !strcmp((*found)[k], d.digest);
			if (!dup) {
				cleanup_free char *size = xasprintf("%" PRId64, d.size);
				rci_strv_push(found, d.media_type);
				rci_strv_push(found, d.digest);
				rci_strv_push(found, size);
			}
		}
	}
	return 0;
}

/* The one manifest of @layout for linux/OCI_ARCH: its descriptor in *d (strings in *keep). */
static int select_manifest(int layout, const char *path, struct desc *d, char ***keep,
			   rci_error_t *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = rci_read_file_at(layout, "oci-layout", 4096, &text, &len, err);
	if (r == -2)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`%s` is not an OCI image layout (no `oci-layout` file)",
					   path);
	if (r < 0)
		return -1;
	cleanup_json json_object *ol = rci_json_parse(text, len, "oci-layout", err);
	if (!ol)
		return -1;
	const char *v = rci_json_get_string(ol, "imageLayoutVersion");
	if (!v || strncmp(v, "1.", 2) != 0)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`%s`: unsupported imageLayoutVersion `%s`", path,
					   v ? v : "(none)");
	free(text);
	text = NULL;
	r = rci_read_file_at(layout, "index.json", MAX_JSON_BLOB, &text, &len, err);
	if (r == -2)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "`%s` has no `index.json`", path);
	if (r < 0)
		return -1;
	cleanup_json json_object *index = rci_json_parse(text, len, "index.json", err);
	if (!index)
		return -1;
	cleanup_strv char **found = NULL;
	if (collect_manifests(layout, index, 0, &found, err) < 0)
		return rci_error_wrap(err, "`%s/index.json`", path);
	size_t n = rci_strv_len(found) / 3;
	if (n != 1)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "`%s` holds %zu images for linux/%s; it must hold "
					   "exactly one (copy it out with `skopeo copy`)",
					   path, n, OCI_ARCH);
	d->media_type = found[0];
	d->digest = found[1];
	d->size = strtoll(found[2], NULL, 10);
	*keep = found;
	found = NULL;
	return 0;
}

/* ---- layers ----------------------------------------------------------------------------- */

/* A blob read through sha256 (compressed bytes) and, for gzip, zlib then sha256 (the diff). */
struct blob_reader {
	int fd;
	bool gzip, in_eof, ended;
	z_stream zs;
	unsigned char in[65536];
	uint64_t in_total;
	struct lr_sha256 blob, diff;
};

static ssize_t read_raw(struct blob_reader *r, void *buf, size_t len, rci_error_t *err)
{
	ssize_t n;
	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return rci_make_error(err, errno, "read layer");
	lr_sha256_update(&r->blob, buf, (size_t)n);
	r->in_total += (uint64_t)n;
	return n;
}

static ssize_t blob_read(void *data, void *buf, size_t len, rci_error_t *err)
{
	struct blob_reader *r = data;
	if (!r->gzip) {
		ssize_t n = read_raw(r, buf, len, err);
		if (n > 0)
			lr_sha256_update(&r->diff, buf, (size_t)n);
		return n;
	}
	for (;;) {
		if (r->zs.avail_in == 0 && !r->in_eof) {
			ssize_t n = read_raw(r, r->in, sizeof(r->in), err);
			if (n < 0)
				return -1;
			r->in_eof = n == 0;
			r->zs.next_in = r->in;
			r->zs.avail_in = (uInt)n;
		}
		if (r->ended) {
			if (r->zs.avail_in == 0 && r->in_eof)
				return 0;
			if (r->zs.avail_in == 0)
				continue;
			/* Concatenated gzip members form one stream (RFC 1952, as Go reads it). */
			inflateReset(&r->zs);
			r->ended = false;
		}
		r->zs.next_out = buf;
		r->zs.avail_out = (uInt)(len > (1u << 30) ? (1u << 30) : len);
		uInt before = r->zs.avail_out;
		int z = inflate(&r->zs, Z_NO_FLUSH);
		size_t produced = before - r->zs.avail_out;
		if (z == Z_STREAM_END)
			r->ended = true;
		else if (z == Z_BUF_ERROR && r->in_eof && r->zs.avail_in == 0 && !produced)
			return rci_make_error(err, 0, "truncated gzip stream");
		else if (z != Z_OK && z != Z_BUF_ERROR)
			return rci_make_error(err, 0, "gzip: %s",
					      r->zs.msg ? r->zs.msg : "corrupt data");
		if (produced) {
			lr_sha256_update(&r->diff, buf, produced);
			return (ssize_t)produced;
		}
	}
}

static int apply_layer(int layout, int rootfs, const struct desc *d, const char *diff_id,
		       rci_error_t *err)
{
	static const char *const plain[] = {
	    "application/vnd.oci.image.layer.v1.tar",
	    "application/vnd.oci.image.layer.nondistributable.v1.tar",
	};
	static const char *const gz[] = {
	    "application/vnd.oci.image.layer.v1.tar+gzip",
	    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	    "application/vnd.docker.image.rootfs.diff.tar.gzip",
	    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	};
	bool is_plain = false, is_gz = false;
	for (size_t i = 0; i < RCI_ARRAY_SIZE(plain); i++)
		is_plain = is_plain || !strcmp(d->media_type, plain[i]);
	for (size_t i = 0; i < RCI_ARRAY_SIZE(gz); i++)
		is_gz = is_gz || !strcmp(d->media_type, gz[i]);
	if (!is_plain && !is_gz)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "layer `%s`: unsupported media type `%s` (tar or "
					   "tar+gzip only)",
					   d->digest, d->media_type);
	struct blob_reader *r = xmalloc0(sizeof(*r));
	int ret = -1;
	r->fd = open_blob(layout, d, err);
	if (r->fd < 0)
		goto out;
	r->gzip = is_gz;
	lr_sha256_init(&r->blob);
	lr_sha256_init(&r->diff);
	if (is_gz && inflateInit2(&r->zs, 15 + 16) != Z_OK) {
		rci_make_error(err, ENOMEM, "inflateInit2");
		goto out_close;
	}
	char buf[16384];
	ssize_t n;
	char hex[65], dhex[65];
	if (lr_tar_apply(rootfs, blob_read, r, err) < 0) {
		/* A corrupt blob first shows as bad gzip or tar data: say what it really is. */
		rci_error_t tmp = NULL;
		while ((n = read_raw(r, buf, sizeof(buf), &tmp)) > 0)
			;
		rci_error_release(&tmp);
		lr_sha256_hex(&r->blob, hex);
		if (n == 0 && strcmp(hex, d->digest + 7) != 0) {
			cleanup_free char *why = rci_error_text(*err);
			rci_error_release(err);
			rci_make_error(err, 0,
				       "layer `%s` does not match its descriptor: sha256:%s (%s)",
				       d->digest, hex, why);
		}
		goto out_zs;
	}
	/* The rest (end-of-archive blocks, padding) counts for the digests too. */
	while ((n = blob_read(r, buf, sizeof(buf), err)) > 0)
		;
	if (n < 0)
		goto out_zs;
	lr_sha256_hex(&r->blob, hex);
	lr_sha256_hex(&r->diff, dhex);
	if ((int64_t)r->in_total != d->size || strcmp(hex, d->digest + 7) != 0) {
		rci_make_error(err, 0,
			       "layer `%s` does not match its descriptor: %" PRIu64
			       " bytes, sha256:%s (expected %" PRId64 " bytes)",
			       d->digest, r->in_total, hex, d->size);
		goto out_zs;
	}
	if (diff_id && (strncmp(diff_id, "sha256:", 7) != 0 || strcmp(diff_id + 7, dhex) != 0)) {
		rci_make_error(err, 0, "layer `%s`: uncompressed sha256:%s, the config says `%s`",
			       d->digest, dhex, diff_id);
		goto out_zs;
	}
	ret = 0;
out_zs:
	if (is_gz)
		inflateEnd(&r->zs);
out_close:
	close(r->fd);
out:
	free(r);
	return ret;
}

/* ---- the cache -------------------------------------------------------------------------- */

static char **json_strv(json_object *arr)
{
	char **v = NULL;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);
		if (json_object_is_type(s, json_type_string))
			rci_strv_push(&v, json_object_get_string(s));
	}
	return v;
}

/* Entrypoint + Cmd and Env from an image config (the one in the cache entry). */
static int load_config(struct lr_image *img, const char *entry, rci_error_t *err)
{
	cleanup_close int dfd = rci_open_dir(entry, err);
	if (dfd < 0)
		return -1;
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (rci_read_file_at(dfd, "config.json", MAX_JSON_BLOB, &text, &len, err) != 0)
		return rci_make_error(err, 0, "cache entry `%s` has no config.json", entry);
	cleanup_json json_object *o = rci_json_parse(text, len, "config.json", err);
	if (!o)
		return -1;
	json_object *c = rci_json_get_type(o, "config", json_type_object);
	img->args = json_strv(rci_json_get_type(c, "Entrypoint", json_type_array));
	cleanup_strv char **cmd = json_strv(rci_json_get_type(c, "Cmd", json_type_array));
	for (size_t i = 0; cmd && cmd[i]; i++)
		rci_strv_push(&img->args, cmd[i]);
	img->env = json_strv(rci_json_get_type(c, "Env", json_type_array));
	if (!img->args)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "the image has neither Entrypoint nor Cmd");
	return 0;
}

static int write_at(int dfd, const char *name, const char *text, size_t len, rci_error_t *err)
{
	return rci_write_file_atomic_at(dfd, name, text, len, 0600, err);
}

/* Builds <cache>/<hex> from the layout: unpack under a temporary name, then rename. */
static int unpack(int layout, const struct desc *md, const char *cache_dir, const char *entry,
		  rci_error_t *err)
{
	cleanup_free char *raw_manifest = NULL, *raw_config = NULL;
	size_t manifest_len = 0, config_len = 0;
	cleanup_json json_object *m = read_json_blob(layout, md, err, &raw_manifest, &manifest_len);
	if (!m)
		return -1;
	struct desc cd;
	if (parse_desc(rci_json_get_type(m, "config", json_type_object), "manifest config", &cd,
		       err) < 0)
		return -1;
	cleanup_json json_object *cfg = read_json_blob(layout, &cd, err, &raw_config, &config_len);
	if (!cfg)
		return rci_error_wrap(err, "image config");
	json_object *layers = rci_json_get_type(m, "layers", json_type_array);
	json_object *rootfs_o = rci_json_get_type(cfg, "rootfs", json_type_object);
	json_object *diff_ids = rci_json_get_type(rootfs_o, "diff_ids", json_type_array);
	size_t nl = layers ? json_object_array_length(layers) : 0;
	if (!nl || (diff_ids && json_object_array_length(diff_ids) != nl))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "manifest `%s`: %zu layers, %zu diff_ids", md->digest,
					   nl, diff_ids ? json_object_array_length(diff_ids) : 0);

	cleanup_free char *tmp =
	    xasprintf("%s/.tmp-%s-%d", cache_dir, md->digest + 7, (int)getpid());
	cleanup_free char *tmp_rootfs = xasprintf("%s/rootfs", tmp);
	cleanup_close int rootfs_fd = -1;
	cleanup_close int tfd = -1;
	rci_error_t tmp_err = NULL;
	if (lr_remove_tree(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	if (mkdir(tmp, 0700) < 0)
		return rci_make_error(err, errno, "create `%s`", tmp);
	if (mkdir(tmp_rootfs, 0755) < 0) {
		rci_make_error(err, errno, "create `%s`", tmp_rootfs);
		goto undo;
	}
	rootfs_fd = rci_open_dir(tmp_rootfs, err);
	if (rootfs_fd < 0)
		goto undo;
	long long t0 = rci_now_ms();
	for (size_t i = 0; i < nl; i++) {
		struct desc ld;
		cleanup_free char *what = xasprintf("layers[%zu]", i);
		if (parse_desc(json_object_array_get_idx(layers, i), what, &ld, err) < 0)
			goto undo;
		json_object *did = diff_ids ? json_object_array_get_idx(diff_ids, i) : NULL;
		if (apply_layer(layout, rootfs_fd, &ld,
				did && json_object_is_type(did, json_type_string)
				    ? json_object_get_string(did)
				    : NULL,
				err) < 0)
			goto undo;
	}
	tfd = rci_open_dir(tmp, err);
	if (tfd < 0 || write_at(tfd, "config.json", raw_config, config_len, err) < 0 ||
	    write_at(tfd, "manifest.json", raw_manifest, manifest_len, err) < 0)
		goto undo;
	if (rename(tmp, entry) < 0) {
		rci_make_error(err, errno, "rename `%s` to `%s`", tmp, entry);
		goto undo;
	}
	rci_debug("unpacked %s (%zu layers) in %lld ms", md->digest, nl, rci_now_ms() - t0);
	return 0;
undo:
	if (lr_remove_tree(tmp, &tmp_err) < 0)
		rci_error_release(&tmp_err);
	return -1;
}

static int lock_cache(const char *cache_dir, rci_error_t *err)
{
	cleanup_close int dfd = rci_open_dir(cache_dir, err);
	if (dfd < 0)
		return -1;
	int fd = openat(dfd, CACHE_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rci_make_error(err, errno, "open `%s/%s`", cache_dir, CACHE_LOCK);
	int r;
	do
		r = flock(fd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		rci_make_error(err, errno, "lock `%s/%s`", cache_dir, CACHE_LOCK);
		close(fd);
		return -1;
	}
	return fd;
}

int lr_image_prepare(const char *layout, const char *cache_dir, struct lr_image **out,
		     rci_error_t *err)
{
	*out = NULL;
	cleanup_close int lfd = open(layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return rci_make_error_kind(err, errno == ENOENT ? RCI_ERR_NOT_FOUND : RCI_ERR_USAGE,
					   errno, "open the image layout `%s`", layout);
	struct desc md;
	cleanup_strv char **keep = NULL;
	if (select_manifest(lfd, layout, &md, &keep, err) < 0)
		return -1;
	if (rci_mkdir_p(cache_dir, 0700, true, err) < 0)
		return rci_error_wrap(err, "image cache");
	cleanup_close int lock = lock_cache(cache_dir, err);
	if (lock < 0)
		return -1;
	cleanup_free char *entry = xasprintf("%s/%s", cache_dir, md.digest + 7);
	struct stat st;
	if (lstat(entry, &st) < 0) {
		rci_debug("unpacking %s from `%s` into `%s`", md.digest, layout, entry);
		if (unpack(lfd, &md, cache_dir, entry, err) < 0)
			return rci_error_wrap(err, "unpack `%s`", layout);
	} else {
		rci_debug("image %s: cached in `%s`", md.digest, entry);
	}
	struct lr_image *img = xmalloc0(sizeof(*img));
	img->layout = xstrdup(layout);
	img->digest = xstrdup(md.digest);
	img->rootfs = xasprintf("%s/rootfs", entry);
	if (load_config(img, entry, err) < 0) {
		lr_image_free(img);
		return rci_error_wrap(err, "image `%s`", layout);
	}
	*out = img;
	return 0;
}

int lr_image_cache_prune(const char *cache_dir, const char *keep, rci_error_t *err)
{
	struct stat st;
	if (stat(cache_dir, &st) < 0)
		return errno == ENOENT ? 0 : rci_make_error(err, errno, "stat `%s`", cache_dir);
	cleanup_close int lock = lock_cache(cache_dir, err);
	if (lock < 0)
		return -1;
	cleanup_dir DIR *d = opendir(cache_dir);
	if (!d)
		return rci_make_error(err, errno, "open `%s`", cache_dir);
	cleanup_strv char **doomed = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Under the lock nobody unpacks: leftover .tmp-* entries are dead too. */
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, CACHE_LOCK) ||
		    (keep && strlen(keep) > 7 && !strcmp(de->d_name, keep + 7)))
			continue;
		rci_strv_push(&doomed, de->d_name);
	}
	for (size_t i = 0; doomed && doomed[i]; i++) {
		cleanup_free char *p = xasprintf("%s/%s", cache_dir, doomed[i]);
		rci_debug("image cache: removing `%s`", p);
		if (lr_remove_tree(p, err) < 0)
			return -1;
	}
	return 0;
}

int lr_image_setup(struct lr_ctx *ctx, rci_error_t *err)
{
	if (!ctx->image || ctx->img)
		return 0;
	cleanup_free char *cache = lr_ctx_path(ctx, "image-cache");
	if (lr_image_prepare(ctx->image, cache, &ctx->img, err) < 0)
		return rci_error_wrap(err, "--image `%s`", ctx->image);
	if (!ctx->plugin_dirs_default)
		return 0;
	const char *cni_path = lr_image_getenv(ctx->img, "CNI_PATH");
	cleanup_strv char **dirs = rci_strv_split(cni_path ? cni_path : "/usr/lib/cni", ':');
	rci_strv_free(ctx->plugin_dirs);
	ctx->plugin_dirs = NULL;
	for (size_t i = 0; dirs && dirs[i]; i++) {
		cleanup_free char *p =
		    xasprintf("%s%s%s", ctx->img->rootfs, dirs[i][0] == '/' ? "" : "/", dirs[i]);
		rci_strv_push(&ctx->plugin_dirs, p);
	}
	return 0;
}
