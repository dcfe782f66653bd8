/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of helper/cni/args.c: CNI_ARGS building (EXE-3) and its cache form (CCH-2). */
#include "unit.h"

#include "args.h"
#include "util.h"

static void add_ok(struct cni_args *a, const char *k, const char *v)
{
	rci_error_t err = NULL;

	ut_assert_ok(cni_args_add(a, k, v, &err), &err);
}

/* EXE-3: no pairs gives "", not ";" or "=". */
static void test_exe3_empty(void **state)
{
	struct cni_args a = {0};
	char *s = cni_args_to_string(&a);

	(void)state;
	assert_string_equal(s, "");
	free(s);
}

/* EXE-3: K=V joined by ';', in insertion order, never a trailing ';'. */
static void test_exe3_join_no_trailing_separator(void **state)
{
	struct cni_args a = {0};
	char *s;

	(void)state;
	add_ok(&a, "IgnoreUnknown", "1");
	s = cni_args_to_string(&a);
	assert_string_equal(s, "IgnoreUnknown=1");
	free(s);
	add_ok(&a, "K8S_POD_NAME", "web");
	add_ok(&a, "IP", "10.88.0.5");
	s = cni_args_to_string(&a);
	assert_string_equal(s, "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.88.0.5");
	free(s);
	cni_args_clear(&a);
	assert_int_equal(a.n, 0);
}

/* An empty value is a pair ("K="), NULL is taken as "". */
static void test_exe3_empty_value(void **state)
{
	struct cni_args a = {0};
	char *s;

	(void)state;
	add_ok(&a, "A", "");
	add_ok(&a, "B", NULL);
	add_ok(&a, "C", "3");
	s = cni_args_to_string(&a);
	assert_string_equal(s, "A=;B=;C=3");
	free(s);
	cni_args_clear(&a);
}

static void add_rejected(struct cni_args *a, const char *k, const char *v)
{
	rci_error_t err = NULL;
	size_t before = a->n;

	assert_int_equal(cni_args_add(a, k, v, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->kind, RCI_ERR_USAGE);
	assert_int_equal(a->n, before);
	rci_error_release(&err);
}

/* EXE-3: there is no escaping, so ';' and '=' are refused in keys and values (usage error). */
static void test_exe3_separators_rejected(void **state)
{
	struct cni_args a = {0};
	char *s;

	(void)state;
	add_ok(&a, "IgnoreUnknown", "1");
	add_rejected(&a, "A;B", "1");
	add_rejected(&a, "A=B", "1");
	add_rejected(&a, "A", "1;B=2");
	add_rejected(&a, "A", "x=y");
	add_rejected(&a, "A", ";");
	add_rejected(&a, "", "1");
	add_rejected(&a, NULL, "1");
	s = cni_args_to_string(&a);
	assert_string_equal(s, "IgnoreUnknown=1");
	free(s);
	cni_args_clear(&a);
}

/* The message names the offending key. */
static void test_exe3_error_message(void **state)
{
	struct cni_args a = {0};
	rci_error_t err = NULL;

	(void)state;
	assert_int_equal(cni_args_add(&a, "POD", "a;b", &err), -1);
	UT_ERR_CONTAINS(err, "POD", "`;`");
	rci_error_release(&err);
}

/* CCH-2: cniArgs is [[k,v],...]; reading it back gives the same CNI_ARGS string. */
static void test_cch2_json_round_trip(void **state)
{
	struct cni_args a = {0}, b = {0};
	rci_error_t err = NULL;
	json_object *j, *want;
	char *s1, *s2;

	(void)state;
	add_ok(&a, "IgnoreUnknown", "1");
	add_ok(&a, "IP", "10.88.0.5");
	add_ok(&a, "EMPTY", "");
	j = cni_args_to_json(&a);
	want = ut_json("[[\"IgnoreUnknown\",\"1\"],[\"IP\",\"10.88.0.5\"],[\"EMPTY\",\"\"]]");
	ut_assert_json_equal(j, want);
	ut_assert_ok(cni_args_from_json(j, &b, &err), &err);
	assert_int_equal(b.n, 3);
	s1 = cni_args_to_string(&a);
	s2 = cni_args_to_string(&b);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	json_object_put(j);
	json_object_put(want);
	cni_args_clear(&a);
	cni_args_clear(&b);
}

static void from_json_rejected(const char *js)
{
	struct cni_args a = {0};
	rci_error_t err = NULL;
	json_object *j = ut_json(js);

	if (cni_args_from_json(j, &a, &err) != -1) {
		fprintf(stderr, "accepted bad cniArgs %s\n", js);
		fail();
	}
	assert_non_null(err);
	rci_error_release(&err);
	cni_args_clear(&a);
	json_object_put(j);
}

/* A tampered cache cannot smuggle separators into CNI_ARGS. */
static void test_cch2_from_json_rejects_malformed(void **state)
{
	(void)state;
	from_json_rejected("{\"a\":\"b\"}");
	from_json_rejected("[[\"a\"]]");
	from_json_rejected("[[\"a\",\"b\",\"c\"]]");
	from_json_rejected("[[\"a\",1]]");
	from_json_rejected("[\"a=b\"]");
	from_json_rejected("[[\"a;b\",\"c\"]]");
	from_json_rejected("[[\"a\",\"b=c\"]]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exe3_empty),
	    cmocka_unit_test(test_exe3_join_no_trailing_separator),
	    cmocka_unit_test(test_exe3_empty_value),
	    cmocka_unit_test(test_exe3_separators_rejected),
	    cmocka_unit_test(test_exe3_error_message),
	    cmocka_unit_test(test_cch2_json_round_trip),
	    cmocka_unit_test(test_cch2_from_json_rejects_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
