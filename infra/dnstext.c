/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dnstext.h"
#include "json.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

/* One printable word: a blank or a newline would forge another line of the file. */
static bool word_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* Appends @e's string to @v unless it is there already or is not a word (warned). */
static void add_word(char ***v, json_object *e)
{
	const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
	if (!word_ok(s)) {
		rci_warning("ignoring the DNS entry `%s` of a CNI result",
			    s ? s : json_object_to_json_string(e));
		return;
	}
	for (size_t k = 0; *v && (*v)[k]; k++)
		if (!strcmp((*v)[k], s))
			return;
	rci_strv_push(v, s);
}

/* add_word() for each element of the array @key of @dns. */
static void add_words(char ***v, json_object *dns, const char *key)
{
	json_object *arr = rci_json_get_type(dns, key, json_type_array);
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
		add_word(v, json_object_array_get_idx(arr, i));
}

static void append(char **buf, const char *fmt, const char *a, const char *b)
{
	char *n = xasprintf(fmt, *buf ? *buf : "", a, b ? b : "");
	free(*buf);
	*buf = n;
}

char *lr_dnstext_resolv(json_object *const *results, size_t n, const char *fallback)
{
	cleanup_strv char **search = NULL, **servers = NULL, **options = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *dns = rci_json_get_type(results[i], "dns", json_type_object);
		json_object *domain = NULL;
		if (!dns)
			continue;
		if (json_object_object_get_ex(dns, "domain", &domain))
			add_word(&search, domain);
		add_words(&search, dns, "search");
		add_words(&servers, dns, "nameservers");
		add_words(&options, dns, "options");
	}
	if (!servers && !fallback)
		return NULL;
	if (!servers)
		rci_strv_push(&servers, fallback);
	char *out = NULL;
	for (size_t i = 0; servers[i]; i++)
		append(&out, "%snameserver %s%s\n", servers[i], NULL);
	if (search) {
		cleanup_free char *s = rci_strv_join(search, " ", NULL);
		append(&out, "%ssearch %s%s\n", s, NULL);
	}
	if (options) {
		cleanup_free char *s = rci_strv_join(options, " ", NULL);
		append(&out, "%soptions %s%s\n", s, NULL);
	}
	return out;
}

/* @old without our marked lines; always ends with a newline unless empty. */
static char *strip_ours(const char *old)
{
	char *out = xstrdup("");
	for (const char *p = old; p && *p;) {
		size_t len = strcspn(p, "\n");
		size_t mark = strlen(LR_HOSTS_MARK);
		bool ours = len >= mark && !strncmp(p + len - mark, LR_HOSTS_MARK, mark);
		if (!ours) {
			cleanup_free char *line = xstrndup(p, len);
			append(&out, "%s%s%s\n", line, NULL);
		}
		p += len + (p[len] == '\n');
	}
	return out;
}

/* The names of one network's line: each of @names, then NAME.DOMAIN for its first domain. */
static char *line_names(json_object *result, const char *const *names)
{
	json_object *dns = rci_json_get_type(result, "dns", json_type_object);
	json_object *search = dns ? rci_json_get_type(dns, "search", json_type_array) : NULL;
	json_object *first = search && json_object_array_length(search) > 0
				 ? json_object_array_get_idx(search, 0)
				 : NULL;
	const char *domain =
	    json_object_is_type(first, json_type_string) ? json_object_get_string(first) : NULL;
	if (!word_ok(domain))
		domain = NULL;
	cleanup_strv char **v = NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; names[i]; i++) {
			if (!word_ok(names[i]) || (pass == 1 && !domain))
				continue;
			cleanup_free char *name =
			    pass ? xasprintf("%s.%s", names[i], domain) : xstrdup(names[i]);
			bool seen = false;
			for (size_t k = 0; v && v[k] && !seen; k++)
				seen = !strcmp(v[k], name);
			if (!seen)
				rci_strv_push(&v, name);
		}
	}
	return rci_strv_join(v, " ", NULL);
}

char *lr_dnstext_hosts(const char *old, json_object *const *results, size_t n,
		       const char *const *names)
{
	char *out = strip_ours(old);
	for (size_t i = 0; i < n; i++) {
		json_object *ips = rci_json_get_type(results[i], "ips", json_type_array);
		cleanup_free char *who = line_names(results[i], names);
		if (!*who)
			continue;
		for (size_t k = 0; ips && k < json_object_array_length(ips); k++) {
			const char *addr =
			    rci_json_get_string(json_object_array_get_idx(ips, k), "address");
			if (!word_ok(addr))
				continue;
			cleanup_free char *ip = xstrndup(addr, strcspn(addr, "/"));
			char *line = xasprintf("%s\t%s " LR_HOSTS_MARK, ip, who);
			append(&out, "%s%s%s\n", line, NULL);
			free(line);
		}
	}
	return out;
}
