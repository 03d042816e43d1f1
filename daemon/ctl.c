/*
 * ctl.c - control socket server: libevent driver for ctl_cmd/ctl_proto.
 *
 * Clients are never freed from inside their own callbacks: ctl_client_kill
 * marks one dead and activates the reap event, which frees dead clients
 * once the stack has unwound (STYLE.md §4).
 */
#define _GNU_SOURCE		/* struct ucred */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl.h"
#include "ctl_proto.h"
#include "log.h"
#include "srv.h"
#include "xmalloc.h"

struct ctl_client {
	TAILQ_ENTRY(ctl_client)	 entry;
	struct ctl		*ctl;
	struct bufferevent	*bev;
	unsigned		 id;		/* for the log */
	uid_t			 uid;
	pid_t			 pid;
	bool			 subscribed;
	bool			 closing;	/* dead once output drains */
	bool			 dead;		/* reap frees it */
};

struct ctl {
	ctl_handle_cb		 handle;
	void			*handle_arg;
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*reap;
	char			*path;
	int			 reserve_fd;	/* spare fd for EMFILE */
	time_t			 last_emfile_log;
	unsigned		 nclients;
	unsigned		 next_id;
	bool			 stopping;	/* ctl_shutdown was called */
	ctl_done_cb		 done;
	void			*done_arg;
	TAILQ_HEAD(, ctl_client) clients;
};

static void
ctl_client_kill(struct ctl_client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->ctl->reap, 0, 0);
}

/* Stop reading; kill the client once what is queued has been written. */
static void
ctl_client_close(struct ctl_client *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		ctl_client_kill(c);
}

static void
ctl_client_send(struct ctl_client *c, const char *line)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 n = strlen(line);

	if (c->dead)
		return;
	if (evbuffer_get_length(out) + n > CTL_OUTPUT_MAX) {
		log_warnx("control: client %u: not reading, dropped", c->id);
		ctl_client_kill(c);
		return;
	}
	evbuffer_add(out, line, n);
}

static void
ctl_client_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len, linelen, used;
	unsigned		 flags;
	char			*p, *answer;
	int			 rc;

	while (!c->closing && !c->dead &&
	    (len = evbuffer_get_length(in)) != 0) {
		if (len > CTL_LINE_MAX + 2)
			len = CTL_LINE_MAX + 2;
		p = (char *)evbuffer_pullup(in, (ssize_t)len);
		rc = ctl_line_find(p, len, CTL_LINE_MAX, &linelen, &used);
		if (rc == ENODATA)
			break;
		if (rc == EMSGSIZE) {
			log_warnx("control: client %u: line longer than %d "
			    "bytes, closed", c->id, CTL_LINE_MAX);
			answer = ctl_encode_error(NULL, CTL_E_TOOLONG,
			    "request line too long");
			ctl_client_send(c, answer);
			free(answer);
			ctl_client_close(c);
			break;
		}
		answer = c->ctl->handle(c->id, p, linelen, &flags,
		    c->ctl->handle_arg);
		evbuffer_drain(in, used);
		if (answer != NULL)
			ctl_client_send(c, answer);
		free(answer);
		if (flags & CTL_CALL_SUBSCRIBE)
			c->subscribed = true;
	}
}

static void
ctl_client_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client	*c = arg;

	(void)bev;
	if (c->closing)
		ctl_client_kill(c);
}

static void
ctl_client_event(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF) {
		/* Answer what was asked; a partial last line is dropped. */
		log_debug("control: client %u: end of input", c->id);
		ctl_client_close(c);
	} else if (what & BEV_EVENT_ERROR) {
		log_debug("control: client %u: %s", c->id,
		    strerror(EVUTIL_SOCKET_ERROR()));
		ctl_client_kill(c);
	}
}

static void
ctl_reap(evutil_socket_t fd, short what, void *arg)
{
	struct ctl		*ctl = arg;
	struct ctl_client	*c, *next;

	(void)fd;
	(void)what;
	if (ctl->stopping) {
		TAILQ_FOREACH(c, &ctl->clients, entry)
			if (!c->dead && !c->closing)
				ctl_client_close(c);
	}
	for (c = TAILQ_FIRST(&ctl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->dead)
			continue;
		log_debug("control: client %u: closed", c->id);
		TAILQ_REMOVE(&ctl->clients, c, entry);
		bufferevent_free(c->bev);
		ctl->nclients--;
		free(c);
	}
	if (ctl->stopping && ctl->done != NULL && ctl->nclients == 0) {
		ctl->done(ctl->done_arg);
		ctl->done = NULL;
	}
}

/* Refuse a connection with one error line; the socket is ours to close. */
static void
ctl_refuse(int fd, const char *code, const char *message)
{
	char	*line;

	line = ctl_encode_error(NULL, code, message);
	if (write(fd, line, strlen(line)) == -1)
		log_debug("control: refusal not sent: %s", strerror(errno));
	free(line);
	close(fd);
}

static void
ctl_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl		*ctl = arg;
	struct ctl_client	*c;
	struct ucred		 cred;
	socklen_t		 len = sizeof cred;

	(void)l;
	(void)sa;
	(void)salen;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		log_warnx("control: refused uid %u (pid %d)",
		    (unsigned)cred.uid, (int)cred.pid);
		ctl_refuse(fd, CTL_E_DENIED, "permission denied");
		return;
	}
	if (ctl->nclients >= CTL_CLIENTS_MAX) {
		log_warnx("control: refused pid %d: %d clients already",
		    (int)cred.pid, CTL_CLIENTS_MAX);
		ctl_refuse(fd, CTL_E_BUSY, "too many control connections");
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->ctl = ctl;
	c->id = ++ctl->next_id;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->bev = bufferevent_socket_new(ctl->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("control: bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, ctl_client_read, ctl_client_write,
	    ctl_client_event, c);
	/* Stop reading once a whole maximal line (and "\r\n") is queued. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_LINE_MAX + 2);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	log_debug("control: client %u: uid %u pid %d", c->id,
	    (unsigned)cred.uid, (int)cred.pid);
}

/* Out of fds: free the reserve, accept and drop one, keep the reserve. */
static void
ctl_accept_error(struct evconnlistener *l, void *arg)
{
	struct ctl	*ctl = arg;
	int		 err = EVUTIL_SOCKET_ERROR(), fd;
	time_t		 now = time(NULL);

	if (err != EMFILE && err != ENFILE) {
		log_warnx("control: accept: %s", strerror(err));
		return;
	}
	if (now - ctl->last_emfile_log >= 10) {
		log_warnx("control: out of file descriptors, dropping a "
		    "connection");
		ctl->last_emfile_log = now;
	}
	if (ctl->reserve_fd != -1)
		close(ctl->reserve_fd);
	fd = accept(evconnlistener_get_fd(l), NULL, NULL);
	if (fd != -1)
		close(fd);
	ctl->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Make the socket's directory if it is missing (mode 0700). */
static int
ctl_mkdir_parent(const char *path, char **cause)
{
	char	*copy;
	int	 rc;

	copy = xstrdup(path);
	rc = srv_mkdirs(dirname(copy), cause);
	free(copy);
	return rc;
}

/*
 * If something is at path: refuse when a daemon answers there, remove a
 * stale socket, refuse anything that is not a socket.
 */
static int
ctl_probe(const char *path, struct sockaddr_un *sun, char **cause)
{
	struct stat	st;
	int		fd, rc = 0;

	if (lstat(path, &st) == -1) {
		if ((rc = errno) == ENOENT)
			return 0;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		return rc;
	}
	if (!S_ISSOCK(st.st_mode)) {
		*cause = xasprintf("%s: exists and is not a socket", path);
		return EEXIST;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		rc = errno;
		*cause = xasprintf("socket: %s", strerror(rc));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)sun, sizeof *sun) == 0) {
		*cause = xasprintf("%s: another p2psipd is listening there",
		    path);
		rc = EADDRINUSE;
	} else if (unlink(path) == -1 && errno != ENOENT) {
		rc = errno;
		*cause = xasprintf("%s: cannot remove stale socket: %s", path,
		    strerror(rc));
	} else
		log_info("control: removed stale socket %s", path);
	close(fd);
	return rc;
}

static int
ctl_bind(const char *path, int *fdp, char **cause)
{
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd, rc;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		*cause = xasprintf("%s: path too long for a socket", path);
		return ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((rc = ctl_mkdir_parent(path, cause)) != 0 ||
	    (rc = ctl_probe(path, &sun, cause)) != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		rc = errno;
		*cause = xasprintf("socket: %s", strerror(rc));
		return rc;
	}
	old = umask(0177);	/* the socket is born 0600 */
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc == -1 || listen(fd, 16) == -1) {
		rc = errno;
		*cause = xasprintf("%s: %s", path, strerror(rc));
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

int
ctl_new(struct ctl **out, struct event_base *base, const char *path,
    ctl_handle_cb handle, void *arg, char **cause)
{
	struct ctl	*ctl;
	int		 fd = -1, rc;

	if ((rc = ctl_bind(path, &fd, cause)) != 0)
		return rc;
	ctl = xcalloc(1, sizeof *ctl);
	ctl->handle = handle;
	ctl->handle_arg = arg;
	ctl->base = base;
	ctl->path = xstrdup(path);
	TAILQ_INIT(&ctl->clients);
	ctl->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ctl->reap = event_new(base, -1, 0, ctl_reap, ctl);
	ctl->listener = evconnlistener_new(base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (ctl->reap == NULL || ctl->listener == NULL)
		fatalx("control: cannot set up events");
	evconnlistener_set_error_cb(ctl->listener, ctl_accept_error);
	log_info("control: listening on %s", path);
	*out = ctl;
	return 0;
}

static void
ctl_unbind(struct ctl *ctl)
{
	if (ctl->listener == NULL)
		return;
	evconnlistener_free(ctl->listener);
	ctl->listener = NULL;
	if (unlink(ctl->path) == -1)
		log_warn("control: unlink %s", ctl->path);
}

void
ctl_shutdown(struct ctl *ctl, ctl_done_cb done, void *arg)
{
	ctl_unbind(ctl);
	ctl->stopping = true;
	ctl->done = done;
	ctl->done_arg = arg;
	/* Clients are closed from ctl_reap, after the running request (it
	 * may be "shutdown" itself) has queued its answer. */
	event_active(ctl->reap, 0, 0);
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_client	*c;

	if (ctl == NULL)
		return;
	ctl_unbind(ctl);
	while ((c = TAILQ_FIRST(&ctl->clients)) != NULL) {
		TAILQ_REMOVE(&ctl->clients, c, entry);
		bufferevent_free(c->bev);
		free(c);
	}
	event_free(ctl->reap);
	if (ctl->reserve_fd != -1)
		close(ctl->reserve_fd);
	free(ctl->path);
	free(ctl);
}

void
ctl_event(struct ctl *ctl, const char *event, const json_t *fields)
{
	struct ctl_client	*c;
	char			*line = NULL;

	TAILQ_FOREACH(c, &ctl->clients, entry) {
		if (!c->subscribed || c->dead)
			continue;
		if (line == NULL)
			line = ctl_encode_event(event, fields);
		ctl_client_send(c, line);
	}
	free(line);
}

unsigned
ctl_nclients(const struct ctl *ctl)
{
	return ctl->nclients;
}

/*
 * The later answer to a deferred request: a result (borrowed), or an
 * error when code is set.  Nothing happens if the client has gone.
 */
static void
ctl_answer(struct ctl *ctl, unsigned client, const json_t *id,
    const json_t *result, const char *code, const char *message)
{
	struct ctl_client	*c;
	char			*line;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->clients, entry) {
		if (c->id != client || c->dead)
			continue;
		line = code != NULL ? ctl_encode_error(id, code, message) :
		    ctl_encode_result(id, result);
		ctl_client_send(c, line);
		free(line);
		return;
	}
}

/* ---- answers owed ---- */

struct ctl_defer {
	struct ctl	*ctl;
	unsigned	 client;
	json_t		*id;		/* a copy */
	uint64_t	 start_us;
};

struct ctl_defer *
ctl_defer_new(struct ctl *ctl, unsigned client, const json_t *id)
{
	struct ctl_defer	*cd = xcalloc(1, sizeof *cd);

	cd->ctl = ctl;
	cd->client = client;
	cd->id = id != NULL ? json_deep_copy(id) : NULL;
	cd->start_us = srv_now_us();
	return cd;
}

void
ctl_complete(struct ctl_defer *cd, json_t *result, const char *code,
    const char *message)
{
	ctl_answer(cd->ctl, cd->client, cd->id, result, code, message);
	json_decref(result);
	ctl_defer_drop(cd);
}

void
ctl_defer_drop(struct ctl_defer *cd)
{
	if (cd == NULL)
		return;
	json_decref(cd->id);
	free(cd);
}

double
ctl_defer_ms(const struct ctl_defer *cd)
{
	return (double)(srv_now_us() - cd->start_us) / 1000;
}
