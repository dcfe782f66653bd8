/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of fd passing (infra/forwarder/fdpass.c): what the control socket relies on. */
#include "unit.h"

#include "forwarder/fdpass.h"

#include <sys/socket.h>

/* Sends @n fds (all /dev/null) in one message of "x". */
static void send_fds(int sock, int n)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} u;
	int fds[8];
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	memset(&u, 0, sizeof(u));
	for (int i = 0; i < n; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	mh.msg_control = u.buf;
	mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, 0), 1);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* A connected pair and what one receive returns. */
struct chan {
	int sv[2];
	int fds[FWD_FDPASS_MAX];
	size_t n;
	bool lost;
	char buf[8];
};

static int chan_open(void **state)
{
	struct chan *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->sv), 0);
	*state = c;
	return 0;
}

static int chan_close(void **state)
{
	struct chan *c = *state;
	close(c->sv[0]);
	close(c->sv[1]);
	free(c);
	return 0;
}

static ssize_t recv_fds(struct chan *c, size_t max)
{
	return fwd_recv_with_fds(c->sv[1], c->buf, sizeof(c->buf), c->fds, max, &c->n, &c->lost, 0);
}

static void test_one_fd_both_ways(void **state)
{
	struct chan *c = *state;
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(fwd_send_with_fd(c->sv[0], "req", 3, devnull, 0), 3);
	assert_int_equal(recv_fds(c, 1), 3);
	assert_int_equal(c->n, 1);
	assert_false(c->lost);
	/* Received close-on-exec: nothing leaks into a program the forwarder might run. */
	assert_true(fcntl(c->fds[0], F_GETFD) & FD_CLOEXEC);
	close(c->fds[0]);
	/* Without an fd, none arrives. */
	assert_int_equal(fwd_send_with_fd(c->sv[0], "q", 1, -1, 0), 1);
	assert_int_equal(recv_fds(c, 1), 1);
	assert_int_equal(c->n, 0);
	close(devnull);
}

static void test_extra_fds_are_closed(void **state)
{
	struct chan *c = *state;
	int before = open_fds();
	/* Three sent, one wanted: two closed on arrival, and said so. */
	send_fds(c->sv[0], 3);
	assert_int_equal(recv_fds(c, 1), 1);
	assert_int_equal(c->n, 1);
	assert_true(c->lost);
	close(c->fds[0]);
	assert_int_equal(open_fds(), before);
	/* More than the control buffer holds: truncated by the kernel (MSG_CTRUNC), all closed. */
	send_fds(c->sv[0], 8);
	assert_int_equal(recv_fds(c, FWD_FDPASS_MAX), 1);
	assert_int_equal(c->n, FWD_FDPASS_MAX);
	assert_true(c->lost);
	for (size_t i = 0; i < c->n; i++)
		close(c->fds[i]);
	assert_int_equal(open_fds(), before);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_one_fd_both_ways, chan_open, chan_close),
    cmocka_unit_test_setup_teardown(test_extra_fds_are_closed, chan_open, chan_close)};

int main(void)
{
	return cmocka_run_group_tests(tests, NULL, NULL);
}
