/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_layout.h"
#include "fs.h"
#include "json.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

/* index.json and oci-layout are small, like the JSON blobs (image_blob.c). */
#define MAX_INDEX (4 << 20)

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

static bool digest_ok(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int parse_desc(json_object *o, const char *what, struct lr_desc *d, rci_error_t *err)
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

/* Collects the manifest descriptors of @index (following nested indexes) into @found. */
static int collect_manifests(int layout, json_object *index, int depth, char ***found,
			     rci_error_t *err)
{
	json_object *ms = rci_json_get_type(index, "manifests", json_type_array);
	if (!ms)
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0, "an index without `manifests`");
	for (size_t i = 0; i < json_object_array_length(ms); i++) {
		json_object *o = json_object_array_get_idx(ms, i);
		struct lr_desc d;
		cleanup_free char *what = xasprintf("manifests[%zu]", i);
		if (parse_desc(o, what, &d, err) < 0)
			return -1;
		if (!platform_ok(o))
			continue;
		if (is_index_type(d.media_type) && depth < 4) {
			cleanup_json json_object *sub =
			    lr_blob_read_json(layout, &d, NULL, NULL, err);
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

int lr_layout_select_manifest(int layout, const char *path, struct lr_desc *d, char ***keep,
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
	r = rci_read_file_at(layout, "index.json", MAX_INDEX, &text, &len, err);
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

static json_object *layers_of(const struct lr_layout_image *img)
{
	return rci_json_get_type(img->manifest, "layers", json_type_array);
}

static json_object *diff_ids_of(const struct lr_layout_image *img)
{
	json_object *rootfs = rci_json_get_type(img->config, "rootfs", json_type_object);
	return rci_json_get_type(rootfs, "diff_ids", json_type_array);
}

int lr_layout_read_image(int layout, const struct lr_desc *md, struct lr_layout_image *img,
			 rci_error_t *err)
{
	memset(img, 0, sizeof(*img));
	img->manifest = lr_blob_read_json(layout, md, &img->raw_manifest, &img->manifest_len, err);
	if (!img->manifest)
		return -1;
	struct lr_desc cd;
	if (parse_desc(rci_json_get_type(img->manifest, "config", json_type_object),
		       "manifest config", &cd, err) < 0)
		return -1;
	img->config = lr_blob_read_json(layout, &cd, &img->raw_config, &img->config_len, err);
	if (!img->config)
		return rci_error_wrap(err, "image config");
	json_object *layers = layers_of(img);
	json_object *diff_ids = diff_ids_of(img);
	size_t nl = layers ? json_object_array_length(layers) : 0;
	if (!nl || (diff_ids && json_object_array_length(diff_ids) != nl))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "manifest `%s`: %zu layers, %zu diff_ids", md->digest,
					   nl, diff_ids ? json_object_array_length(diff_ids) : 0);
	img->n_layers = nl;
	return 0;
}

int lr_layout_layer(const struct lr_layout_image *img, size_t i, struct lr_desc *d,
		    const char **diff_id, rci_error_t *err)
{
	cleanup_free char *what = xasprintf("layers[%zu]", i);
	if (parse_desc(json_object_array_get_idx(layers_of(img), i), what, d, err) < 0)
		return -1;
	json_object *diff_ids = diff_ids_of(img);
	*diff_id = NULL;
	if (!diff_ids)
		return 0;
	json_object *did = json_object_array_get_idx(diff_ids, i);
	if (!json_object_is_type(did, json_type_string))
		return rci_make_error_kind(err, RCI_ERR_USAGE, 0,
					   "image config: diff_ids[%zu] is not a string", i);
	*diff_id = json_object_get_string(did);
	return 0;
}

void lr_layout_image_release(struct lr_layout_image *img)
{
	json_object_put(img->manifest);
	json_object_put(img->config);
	free(img->raw_manifest);
	free(img->raw_config);
	memset(img, 0, sizeof(*img));
}
