// SPDX-License-Identifier: GPL-2.0
/*
 * lprs-hammer FILE THREADS FORK_EVERY STOPFILE [MONOTONIC]
 *
 * THREADS threads read FILE (answers "original", "patched" or "v<N>") in a
 * loop until STOPFILE exists; every FORK_EVERY reads a thread forks a child that
 * reads once and exits. Checks what the consistency model promises a task:
 * every answer is one of those; a thread's answer changes at most once
 * per transition (the caller compares "flips" with how many it ran); with
 * MONOTONIC (one patching transition), a thread never goes back to
 * "original" and a child of a thread that answered "patched" answers
 * "patched" too (a child starts in its parent's state). Prints a summary
 * line and exits 1 on any violation.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *file, *stopfile;
static int fork_every, monotonic;

struct stats {
	long reads, forks, bad, child_bad, back, flips;
};

/* 0 original, 1 patched, N for "v<N>" (N >= 2), -1 anything else. */
static int answer(int fd)
{
	char buf[32], *end;
	long v;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!strcmp(buf, "original\n"))
		return 0;
	if (!strcmp(buf, "patched\n"))
		return 1;
	if (buf[0] == 'v') {
		v = strtol(buf + 1, &end, 10);
		if (end != buf + 1 && !strcmp(end, "\n") && v >= 2)
			return v;
	}
	return -1;
}

static int child(int parent_last)
{
	int fd = open(file, O_RDONLY);
	int a = fd < 0 ? -1 : answer(fd);

	if (a < 0 || (monotonic && a < parent_last))
		_exit(1);
	_exit(0);
}

static void *thread(void *arg)
{
	struct stats *s = arg;
	int fd = open(file, O_RDONLY), last = -1, a, status;
	struct stat st;
	pid_t pid;

	if (fd < 0) {
		s->bad++;
		return NULL;
	}
	while (stat(stopfile, &st)) {
		a = answer(fd);
		s->reads++;
		if (a < 0) {
			s->bad++;
			continue;
		}
		if (last >= 0 && a != last) {
			s->flips++;
			if (monotonic && a < last)
				s->back++;
		}
		last = a;
		if (fork_every && s->reads % fork_every == 0) {
			pid = fork();
			if (pid == 0)
				child(last);
			if (pid < 0 || waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status))
				s->child_bad++;
			s->forks++;
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct stats total = { 0 }, *st;
	long max_flips = 0;
	pthread_t *tids;
	int n, i;

	if (argc < 5) {
		fprintf(stderr, "usage: %s FILE THREADS FORK_EVERY STOPFILE [MONOTONIC]\n", argv[0]);
		return 2;
	}
	file = argv[1];
	n = atoi(argv[2]);
	fork_every = atoi(argv[3]);
	stopfile = argv[4];
	monotonic = argc > 5 && atoi(argv[5]);
	tids = calloc(n, sizeof(*tids));
	st = calloc(n, sizeof(*st));
	for (i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, thread, &st[i]))
			return 2;
	for (i = 0; i < n; i++) {
		pthread_join(tids[i], NULL);
		total.reads += st[i].reads;
		total.forks += st[i].forks;
		total.bad += st[i].bad;
		total.child_bad += st[i].child_bad;
		total.back += st[i].back;
		if (st[i].flips > max_flips)
			max_flips = st[i].flips;
	}
	printf("threads=%d reads=%ld forks=%ld bad=%ld child_bad=%ld back=%ld max_flips=%ld\n",
	       n, total.reads, total.forks, total.bad, total.child_bad, total.back, max_flips);
	return total.bad || total.child_bad || total.back;
}
