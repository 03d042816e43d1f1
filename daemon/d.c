/*
 * d.c - the running daemon: set-up, signals, reload and clean shutdown.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cfg.h"
#include "ctl.h"
#include "ctl_cmd.h"
#include "d.h"
#include "store.h"
#include "xmalloc.h"

uint64_t
d_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
d_uptime(const struct d *d)
{
	return (d_now_ms() - d->start_ms) / 1000;
}

const char *
d_state_name(enum d_state s)
{
	switch (s) {
	case D_RUNNING:		return "running";
	case D_STOPPING:	return "stopping";
	}
	return "?";
}

int
d_mkdirs(const char *path, char **cause)
{
	char		*copy, *p, c;
	struct stat	 st;
	int		 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST)
			rc = errno;
		else if (stat(copy, &st) == -1)
			rc = errno;
		else if (!S_ISDIR(st.st_mode))
			rc = ENOTDIR;
		if (rc != 0)
			*cause = xasprintf("%s: cannot create directory: %s",
			    copy, strerror(rc));
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

/*
 * Take data_dir/p2psipd.lock.  The lock (flock) lives as long as the
 * process; the file holds our pid so a second daemon can name us.
 */
static int
d_lock(struct d *d, char **cause)
{
	char	*path, buf[32];
	ssize_t	 n;
	int	 fd, rc = 0;

	path = xasprintf("%s/p2psipd.lock", d->cfg->node.data_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		rc = errno;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		rc = errno;
		n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (rc == EWOULDBLOCK)
			*cause = xasprintf("data dir %s is in use by another "
			    "p2psipd (pid %s)", d->cfg->node.data_dir,
			    buf[0] != '\0' ? buf : "unknown");
		else
			*cause = xasprintf("%s: lock: %s", path, strerror(rc));
		close(fd);
		goto out;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("%s: cannot write pid", path);
	d->lock_fd = fd;
out:
	free(path);
	return rc;
}

/* Record this run in the store and learn how the previous one ended. */
static void
d_begin_run(struct d *d)
{
	char	*v = NULL, buf[32];

	if (store_meta_get(d->store, "running", &v) == 0)
		d->previous_exit = strcmp(v, "0") == 0 ? "clean" : "unclean";
	else
		d->previous_exit = "none";
	free(v);
	v = NULL;
	if (store_meta_get(d->store, "starts", &v) == 0)
		d->starts = strtoll(v, NULL, 10);
	free(v);
	d->starts++;
	snprintf(buf, sizeof buf, "%lld", d->starts);
	store_meta_set(d->store, "starts", buf);
	store_meta_set(d->store, "running", "1");
	if (strcmp(d->previous_exit, "unclean") == 0)
		log_warnx("store: the previous run did not shut down cleanly");
}

static void
d_signal(evutil_socket_t sig, short what, void *arg)
{
	struct d	*d = arg;
	json_t		*pending = NULL;
	char		*cause = NULL;

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		d_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP:
		if (d_reload(d, &pending, &cause) != 0)
			free(cause);
		json_decref(pending);
		break;
	}
}

static int
d_signals(struct d *d)
{
	d->ev_term = evsignal_new(d->base, SIGTERM, d_signal, d);
	d->ev_int = evsignal_new(d->base, SIGINT, d_signal, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, d_signal, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    evsignal_add(d->ev_term, NULL) == -1 ||
	    evsignal_add(d->ev_int, NULL) == -1 ||
	    evsignal_add(d->ev_hup, NULL) == -1)
		return EIO;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int
d_new(struct d **out, struct cfg *cfg, const char *cfg_file,
    const char *const *overrides, size_t noverrides, char **cause)
{
	struct d	*d;
	char		*dbpath;
	int		 rc;

	if (!ctl_cmd_check_tables(cause)) {
		cfg_free(cfg);
		return EINVAL;
	}
	d = xcalloc(1, sizeof *d);
	d->cfg = cfg;
	d->cfg_file = cfg_file;
	d->overrides = overrides;
	d->noverrides = noverrides;
	d->lock_fd = -1;
	d->start_ms = d_now_ms();
	d->start_time = (int64_t)time(NULL);
	if ((d->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((rc = d_mkdirs(cfg->node.data_dir, cause)) != 0 ||
	    (rc = d_lock(d, cause)) != 0)
		goto fail;
	dbpath = xasprintf("%s/p2psipd.db", cfg->node.data_dir);
	rc = store_open(&d->store, dbpath, cause);
	free(dbpath);
	if (rc != 0)
		goto fail;
	d_begin_run(d);
	if ((rc = ctl_new(&d->ctl, d->base, cfg->node.control_socket, d,
	    cause)) != 0)
		goto fail;
	if ((rc = d_signals(d)) != 0) {
		*cause = xstrdup("cannot catch signals");
		goto fail;
	}
	log_info("p2psipd: started, data dir %s, run %lld",
	    cfg->node.data_dir, d->starts);
	*out = d;
	return 0;
fail:
	d_free(d);
	return rc;
}

int
d_run(struct d *d)
{
	if (event_base_dispatch(d->base) == -1)
		fatalx("event loop failed");
	return 0;
}

void
d_free(struct d *d)
{
	if (d == NULL)
		return;
	ctl_free(d->ctl);
	if (d->store != NULL) {
		store_meta_set(d->store, "running", "0");
		store_close(d->store);
	}
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_stop != NULL)
		event_free(d->ev_stop);
	if (d->lock_fd != -1)
		close(d->lock_fd);
	if (d->base != NULL)
		event_base_free(d->base);
	cfg_free(d->cfg);
	free(d);
}

/* Everything that had to finish has: leave the event loop. */
static void
d_stopped(void *arg)
{
	struct d	*d = arg;

	event_base_loopexit(d->base, NULL);
}

static void
d_stop_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	log_warnx("p2psipd: control clients still busy after %d ms, "
	    "stopping anyway", D_STOP_GRACE_MS);
	d_stopped(arg);
}

void
d_stop(struct d *d, const char *reason)
{
	struct timeval	 tv = { D_STOP_GRACE_MS / 1000,
			    (D_STOP_GRACE_MS % 1000) * 1000 };
	json_t		*ev;

	if (d->state == D_STOPPING)
		return;
	d->state = D_STOPPING;
	log_info("p2psipd: stopping (%s)", reason);
	ev = json_pack("{s:s}", "reason", reason);
	ctl_event(d->ctl, "shutdown", ev);
	json_decref(ev);
	ctl_shutdown(d->ctl, d_stopped, d);
	d->ev_stop = evtimer_new(d->base, d_stop_deadline, d);
	if (d->ev_stop == NULL || evtimer_add(d->ev_stop, &tv) == -1)
		d_stopped(d);
}

void
d_set_log_level(struct d *d, enum log_level level)
{
	json_t	*ev;

	if (level == log_getlevel())
		return;
	log_setlevel(level);
	log_info("p2psipd: log level %s", log_level_name(level));
	ev = json_pack("{s:s}", "level", log_level_name(level));
	ctl_event(d->ctl, "log-level", ev);
	json_decref(ev);
}

/* Log every line of a multi-line message. */
static void
d_log_lines(const char *prefix, const char *text)
{
	const char	*p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		log_warnx("%s%.*s", prefix,
		    (int)(nl != NULL ? (size_t)(nl - p) : strlen(p)), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

int
d_reload(struct d *d, json_t **pending, char **cause)
{
	struct cfg		*n;
	struct cfg_change	 ch[64];
	size_t			 i, nch;
	json_t			*ev;
	char			*name;

	if (cfg_load(&n, d->cfg_file, d->overrides, d->noverrides,
	    cause) != 0) {
		d_log_lines("reload: ", *cause);
		log_warnx("reload: failed, configuration unchanged");
		ev = json_pack("{s:b, s:s}", "ok", 0, "error", *cause);
		ctl_event(d->ctl, "reload", ev);
		json_decref(ev);
		return EINVAL;
	}
	*pending = json_array();
	nch = cfg_diff(d->cfg, n, ch, sizeof ch / sizeof ch[0]);
	for (i = 0; i < nch && i < sizeof ch / sizeof ch[0]; i++) {
		if (ch[i].live)
			continue;
		name = xasprintf("%s.%s", ch[i].section, ch[i].key);
		log_warnx("reload: %s changed; restart to apply it", name);
		json_array_append_new(*pending, json_string(name));
		free(name);
	}
	/* Live keys are taken from the file again, changed or not. */
	d_set_log_level(d, n->node.log_level);
	cfg_free(n);
	log_info("reload: done");
	ev = json_pack("{s:b, s:O}", "ok", 1, "pending_restart", *pending);
	ctl_event(d->ctl, "reload", ev);
	json_decref(ev);
	return 0;
}
