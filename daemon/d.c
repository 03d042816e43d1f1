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
#include "ctl_ev.h"
#include "d.h"
#include "d_int.h"
#include "db.h"
#include "identity.h"
#include "ov_id.h"
#include "ov_msg.h"
#include "ov_node.h"
#include "srv.h"
#include "srv_overlay.h"
#include "srv_sip.h"
#include "srv_ua.h"
#include "xmalloc.h"

uint64_t
d_uptime(const struct d *d)
{
	return (srv_now_ms() - d->start_ms) / 1000;
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

	if (db_meta_get(d->db, "running", &v) == 0)
		d->previous_exit = strcmp(v, "0") == 0 ? "clean" : "unclean";
	else
		d->previous_exit = "none";
	free(v);
	v = NULL;
	if (db_meta_get(d->db, "starts", &v) == 0)
		d->starts = strtoll(v, NULL, 10);
	free(v);
	d->starts++;
	snprintf(buf, sizeof buf, "%lld", d->starts);
	db_meta_set(d->db, "starts", buf);
	db_meta_set(d->db, "running", "1");
	if (strcmp(d->previous_exit, "unclean") == 0)
		log_warnx("store: the previous run did not shut down cleanly");
}

static void
d_signal(evutil_socket_t sig, short what, void *arg)
{
	struct d		*d = arg;
	struct cfg_change	 pending[D_PENDING_MAX];
	size_t			 npending;
	char			*cause = NULL;

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		d_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP:
		if (d_reload(d, pending, &npending, &cause) != 0)
			free(cause);
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

/*
 * What a load held (transactions, calls, lookups) is freed when it ends,
 * but the allocator keeps the pages for the next: every D_TRIM_S, the
 * free ones go back to the system, so that the daemon's memory after a
 * load comes back to where it was (a few ms for a heap of 100 MB).
 */
static void
d_trim(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	srv_trim();
}

/* The store's batch of writes (db_batch): committed now. */
static void
d_flush(evutil_socket_t fd, short what, void *arg)
{
	struct d	*d = arg;

	(void)fd;
	(void)what;
	event_del(d->ev_flush);
	event_del(d->ev_flush_late);
	db_flush(d->db);
}

/* A batch opened: committed once the loop has done what is ready. */
static void
d_flush_soon(void *arg)
{
	struct d	*d = arg;
	struct timeval	 tv = { 0, D_FLUSH_MS * 1000 };

	event_active(d->ev_flush, EV_TIMEOUT, 0);
	evtimer_add(d->ev_flush_late, &tv);
}

int
d_new(struct d **out, struct cfg *cfg, const char *cfg_file,
    const char *const *overrides, size_t noverrides, ctl_handle_cb handle,
    char **cause)
{
	struct d	*d;
	char		*dbpath;
	int		 rc;

	d = xcalloc(1, sizeof *d);
	d->cfg = cfg;
	d->cfg_file = cfg_file;
	d->overrides = overrides;
	d->noverrides = noverrides;
	d->lock_fd = -1;
	d->start_ms = srv_now_ms();
	d->start_time = (int64_t)time(NULL);
	if ((d->base = event_base_new()) == NULL ||
	    event_base_priority_init(d->base, SRV_PRIORITIES) != 0)
		fatalx("event_base_new failed");
	if ((rc = srv_mkdirs(cfg->node.data_dir, cause)) != 0 ||
	    (rc = d_lock(d, cause)) != 0)
		goto fail;
	dbpath = xasprintf("%s/p2psipd.db", cfg->node.data_dir);
	rc = db_open(&d->db, dbpath, cause);
	free(dbpath);
	if (rc != 0)
		goto fail;
	if ((d->ev_flush = evtimer_new(d->base, d_flush, d)) == NULL ||
	    event_priority_set(d->ev_flush, SRV_PRIO_IDLE) != 0 ||
	    (d->ev_flush_late = evtimer_new(d->base, d_flush, d)) == NULL)
		fatalx("cannot set a timer");
	db_batch(d->db, d_flush_soon, d);
	d_begin_run(d);
	if ((rc = identity_load(&d->ident, cfg->node.data_dir,
	    cfg->overlay.name, cfg->overlay.root_cert, cause)) != 0)
		goto fail;
	identity_set_db(d->ident, d->db);
	if ((rc = ctl_new(&d->ctl, d->base, cfg->node.control_socket, handle,
	    d, cause)) != 0)
		goto fail;
	if ((rc = d_wire_new(d, cause)) != 0)
		goto fail;
	if ((rc = d_signals(d)) != 0) {
		*cause = xstrdup("cannot catch signals");
		goto fail;
	}
	if ((d->ev_trim = event_new(d->base, -1, EV_PERSIST, d_trim, d)) ==
	    NULL || event_add(d->ev_trim, &(struct timeval){ D_TRIM_S, 0 })
	    == -1) {
		rc = ENOMEM;
		*cause = xstrdup("cannot set a timer");
		goto fail;
	}
	{
		char	hex[OV_ID_HEXLEN];

		log_info("p2psipd: started, node %s%s, overlay %s, data dir "
		    "%s, run %lld", ov_id_hex(&d->ident->id, hex),
		    d->ident->created ? " (new identity)" : "",
		    cfg->overlay.name, cfg->node.data_dir, d->starts);
	}
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
	d_wire_free(d);
	identity_free(d->ident);
	ctl_free(d->ctl);
	if (d->db != NULL) {
		db_batch(d->db, NULL, NULL);
		db_flush(d->db);
		db_meta_set(d->db, "running", "0");
		db_close(d->db);
	}
	if (d->ev_flush != NULL)
		event_free(d->ev_flush);
	if (d->ev_flush_late != NULL)
		event_free(d->ev_flush_late);
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_stop != NULL)
		event_free(d->ev_stop);
	if (d->ev_trim != NULL)
		event_free(d->ev_trim);
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
d_ctl_drained(void *arg)
{
	struct d	*d = arg;

	d->ctl_done = true;
	if (d->ov_left)
		d_stopped(d);
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

/* The node has left the overlay: when stopping, one thing less to
 * wait for. */
static void
d_overlay_left(bool left, void *arg)
{
	struct d	*d = arg;

	if (!left || d->state != D_STOPPING)
		return;
	d->ov_left = true;
	if (d->ctl_done)
		d_stopped(d);
}

void
d_stop(struct d *d, const char *reason)
{
	struct timeval	 tv = { D_STOP_GRACE_MS / 1000,
			    (D_STOP_GRACE_MS % 1000) * 1000 };

	if (d->state == D_STOPPING)
		return;
	d->state = D_STOPPING;
	log_info("p2psipd: stopping (%s)", reason);
	srv_ua_stop(d->ua);
	ctl_ev_shutdown(d->ctl, reason);
	/* §10.9: tell the neighbors; d_overlay_left once they know */
	if (ov_node_state(srv_overlay_node(d->ov)) != OV_ST_JOINED ||
	    srv_overlay_leave(d->ov, d_overlay_left, d) != 0)
		d->ov_left = true;
	ctl_shutdown(d->ctl, d_ctl_drained, d);
	d->ev_stop = evtimer_new(d->base, d_stop_deadline, d);
	if (d->ev_stop == NULL || evtimer_add(d->ev_stop, &tv) == -1)
		d_stopped(d);
}

void
d_set_log_level(struct d *d, enum log_level level)
{
	if (level == log_getlevel())
		return;
	log_setlevel(level);
	log_info("p2psipd: log level %s", log_level_name(level));
	ctl_ev_log_level(d->ctl, level);
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
d_reload(struct d *d, struct cfg_change *pending, size_t *npending,
    char **cause)
{
	struct cfg		*n;
	struct cfg_change	 ch[D_PENDING_MAX];
	size_t			 i, nch;

	*npending = 0;
	if (cfg_load(&n, d->cfg_file, d->overrides, d->noverrides,
	    cause) != 0) {
		d_log_lines("reload: ", *cause);
		log_warnx("reload: failed, configuration unchanged");
		ctl_ev_reload_failed(d->ctl, *cause);
		return EINVAL;
	}
	nch = cfg_diff(d->cfg, n, ch, D_PENDING_MAX);
	for (i = 0; i < nch && i < D_PENDING_MAX; i++) {
		if (ch[i].live)
			continue;
		log_warnx("reload: %s.%s changed; restart to apply it",
		    ch[i].section, ch[i].key);
		pending[(*npending)++] = ch[i];
	}
	/* Live keys are taken from the file again, changed or not. */
	d_set_log_level(d, n->node.log_level);
	if (d->sip != NULL) {
		srv_sip_set_users(d->sip, n);
		log_info("reload: %zu SIP users", n->nusers);
	}
	cfg_free(n);
	log_info("reload: done");
	ctl_ev_reload(d->ctl, pending, *npending);
	return 0;
}

char *
d_overlay_error(int error, const char *why)
{
	switch (error) {
	case ETIMEDOUT:
		return xstrdup("no answer (timed out)");
	case ELOOP:
		return xstrdup("the nodes asked name each other in a loop");
	case ENOTCONN:
		return xstrdup("not in an overlay yet");
	case EBUSY:
		return xstrdup("too many requests in flight");
	case EBADMSG:
		return xstrdup("the answer was malformed");
	}
	if (error > 1000)
		return xasprintf("refused: %s%s%s",
		    ov_msg_error_name((uint16_t)(error - 1000)),
		    why != NULL && *why != '\0' ? ": " : "",
		    why != NULL ? why : "");
	return xasprintf("failed: %s", strerror(error));
}
