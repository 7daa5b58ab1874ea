/* meshcall join CALL_ID: be in a call until 'q', a signal or --duration.
 *
 * This file runs the call. What the command line and the config file mean
 * is join_options.c; the picture (call events to the renderer, hotkeys
 * back) is join_view.c; the terminal and the signals are terminal.c's. */
#include "meshcall/base/log.h"
#include "meshcall/call/call.h"
#include "meshcall/cli/backends.h"
#include "meshcall/cli/call_options.h"
#include "meshcall/cli/cli_dtls.h"
#include "meshcall/cli/commands.h"
#include "meshcall/cli/join_chat.h"
#include "meshcall/cli/join_options.h"
#include "meshcall/cli/join_status.h"
#include "meshcall/cli/join_view.h"
#include "meshcall/cli/terminal.h"
#include "meshcall/media/gst_log.h"
#include "meshcall/server/call_server.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MC_LOG_CATEGORY (&mc_log_main)

typedef struct {
  GMainLoop *loop;
  McCliTerminal *term;
  McJoinView view;        /* view.renderer NULL: nothing to draw on (headless, no display, no terminal) */
  McCall *call;
  McCallServer *server;   /* the signaling server started here, if any */
  McJoinStatus *status;   /* systemd notifications, --status-listen */
  McJoinChat *chat;       /* --chat-log, --say */
  McCallCallbacks view_cb; /* the picture's callbacks; the status hears the same events */
  int exit_code;
  gboolean leaving;
  gboolean done;          /* the loop is to stop (also when asked before it runs) */
  gboolean status_shown;
  guint duration_id, status_id;
} Join;

static void
clear_status (Join *j)
{
  if (j->status_shown) {
    fputs ("\r\033[K", stderr);
    j->status_shown = FALSE;
  }
}

static void
stop_loop (Join *j)
{
  j->done = TRUE;
  g_main_loop_quit (j->loop);
}

/* An error line, after the terminal is given back when a picture has it. */
static void
report_error (Join *j, const char *message)
{
  clear_status (j);
  if (j->term)
    mc_cli_terminal_error (j->term, "%s", message);
  else
    mc_log_error ("%s", message);
}

static void
on_left (McCall *call, gpointer user_data)
{
  stop_loop (user_data);
}

static void
leave (Join *j, const char *why)
{
  if (j->leaving)
    return;
  j->leaving = TRUE;
  j->view.call = NULL;   /* no more mute or camera toggles */
  mc_join_status_leaving (j->status);
  clear_status (j);
  MC_INFO ("leaving: %s", why);
  mc_call_leave (j->call, on_left, j);
}

static void
request_quit (Join *j, const char *why)
{
  if (j->leaving || j->call == NULL)
    stop_loop (j);   /* asked twice: stop waiting for the server */
  else
    leave (j, why);
}

static void
on_terminal_quit (McCliQuitReason reason, gpointer data)
{
  request_quit (data, reason == MC_CLI_QUIT_KEY ? "q pressed" : "signal");
}

static void
on_view_quit (gpointer data)
{
  request_quit (data, "q pressed");
}

static gboolean
on_duration (gpointer data)
{
  Join *j = data;

  j->duration_id = 0;
  leave (j, "--duration elapsed");
  return G_SOURCE_REMOVE;
}

static gboolean
on_status_tick (gpointer data)
{
  Join *j = data;
  g_autofree char *line = NULL;

  if (j->leaving)
    return G_SOURCE_CONTINUE;
  line = mc_call_format_status (j->call);
  fprintf (stderr, "\r\033[K%s", line);
  fflush (stderr);
  j->status_shown = TRUE;
  return G_SOURCE_CONTINUE;
}

static void
on_fatal (McCall *call, const GError *error, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  report_error (j, error->message);
  j->exit_code = MC_EXIT_FAILURE;
  mc_join_status_leaving (j->status);
  stop_loop (j);
}

/* The picture's handler first (when it has one), then the status. */
static void
on_signaling_state (McCall *call, McSignalingState state, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  if (j->view_cb.signaling_state_changed)
    j->view_cb.signaling_state_changed (call, state, user_data);
  mc_join_status_signaling_changed (j->status, state);
  if (state == MC_SIGNALING_STATE_JOINED)
    mc_join_chat_joined (j->chat, call);
}

static void
on_chat_message (McCall *call, const McChatMessage *msg, gboolean local, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  if (j->view_cb.chat_message)
    j->view_cb.chat_message (call, msg, local, user_data);
  mc_join_chat_log (j->chat, msg, local);
}

/* File transfers: a user line for the outcome, a notice on the picture. */
static void
on_file_event (McCall *call, const McCallFileEvent *ev, gpointer user_data)
{
  McJoinView *view = user_data;
  g_autofree char *line = mc_join_chat_describe_file (ev);

  mc_join_view_file_event (view, ev, line);
  if (line == NULL || ev->ask)
    return;
  if (ev->state == MC_CALL_FILE_FAILED)
    mc_log_error ("%s", line);
  else
    mc_log_user ("%s", line);
}

/* Where a file the user says yes to goes: $XDG_DOWNLOAD_DIR (the
 * environment, else xdg-user-dirs' file), else ~/Downloads. */
static char *
download_dir (void)
{
  const char *env = g_getenv ("XDG_DOWNLOAD_DIR");
  const char *xdg = env && env[0] == '/' ? env : g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  return xdg ? g_strdup (xdg) : g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

static void
on_peer_added (McCall *call, const char *peer_id, const char *name, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  if (j->view_cb.peer_added)
    j->view_cb.peer_added (call, peer_id, name, user_data);
  mc_join_status_peers_changed (j->status);
}

static void
on_peer_removed (McCall *call, const char *peer_id, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  if (j->view_cb.peer_removed)
    j->view_cb.peer_removed (call, peer_id, user_data);
  mc_join_status_peers_changed (j->status);
}

static void
on_peer_state (McCall *call, const char *peer_id, McCallPeerState state, gpointer user_data)
{
  McJoinView *view = user_data;
  Join *j = view->data;

  if (j->view_cb.peer_state_changed)
    j->view_cb.peer_state_changed (call, peer_id, state, user_data);
  mc_join_status_peers_changed (j->status);
}

static void
chain_status_callbacks (Join *j, McCallCallbacks *callbacks)
{
  j->view_cb = *callbacks;
  callbacks->signaling_state_changed = on_signaling_state;
  callbacks->peer_added = on_peer_added;
  callbacks->peer_removed = on_peer_removed;
  callbacks->peer_state_changed = on_peer_state;
  callbacks->chat_message = on_chat_message;
  callbacks->file_event = on_file_event;
}

/* Before anything slow: a taken port fails at once. */
static gboolean
open_status (Join *j, const McJoinOptions *o, GError **error)
{
  g_autoptr (GError) local = NULL;

  j->status = mc_join_status_new (o->status_host, o->status_port, o->status_min_peers, &local);
  if (j->status == NULL) {
    if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   "--status-listen %s:%u: another program (or another meshcall) already listens there; "
                   "choose another port (%s)", o->status_host, o->status_port, local->message);
    else
      g_set_error (error, local->domain, local->code, "--status-listen: %s", local->message);
    return FALSE;
  }
  if (o->status_host)
    mc_log_user ("status on http://%s%s%s:%u/health and /stats", strchr (o->status_host, ':') ? "[" : "",
                 o->status_host, strchr (o->status_host, ':') ? "]" : "", o->status_port);
  return TRUE;
}

/* Closes the window / gives the terminal back (before an error is printed). */
static int
fail (Join *j, int exit_code, const GError *error)
{
  report_error (j, error->message);
  if (j->view.renderer)
    mc_renderer_stop (j->view.renderer);
  return exit_code;
}

static int
exit_code_for_signaling (const GError *error)
{
  return g_error_matches (error, MC_SIGNALING_ERROR, MC_SIGNALING_ERROR_BAD_URL) ? MC_EXIT_USAGE : MC_EXIT_FAILURE;
}

/* The picture first: the window is up while capture and DTLS warm up. */
static gboolean
open_picture (Join *j, const McJoinOptions *o, McCallCallbacks *callbacks, McCallConfig *cfg, GError **error)
{
  McRendererOptions ropts = o->render_options;
  /* ASCII, so that X11 tools that read WM_NAME (xdotool, old WMs) see it too. */
  g_autofree char *title = g_strdup_printf ("meshcall - %s", o->call_id);
  g_autoptr (GError) local = NULL;

  ropts.title = title;
  ropts.action = mc_join_view_on_action;
  ropts.chat_send = mc_join_view_on_chat;
  ropts.user_data = &j->view;
  ropts.host = mc_cli_terminal_get_host (j->term);
  j->view.renderer = mc_renderer_open (mc_cli_renderers, &o->render, &ropts, &local);
  if (local) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (j->view.renderer) {
    mc_cli_terminal_set_renderer (j->term, j->view.renderer);
    mc_join_view_set_callbacks (&j->view, callbacks);
    cfg->self_view_width = mc_renderer_get_class (j->view.renderer)->self_view_width;
  }
  return TRUE;
}

typedef enum {
  PROBE_NOTHING,     /* nothing listens there */
  PROBE_SIGNALING,   /* an Engine.IO v4 server: meshcall serve, or a stock socket.io one */
  PROBE_FOREIGN,     /* something else */
} ProbeResult;

/* What listens on host:port: an Engine.IO polling handshake, answered
 * within a second by "HTTP/1.x 200" and an open packet ("0{"sid":...").
 * Set-up time, before the main loop runs: blocking is fine here. */
static ProbeResult
probe_signaling (const char *host, guint port, char **answer)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autofree char *request = NULL;
  char buf[2048];
  gsize got = 0;
  gssize n;

  g_socket_client_set_timeout (client, 1);
  conn = g_socket_client_connect_to_host (client, host, port, NULL, NULL);
  if (conn == NULL)
    return PROBE_NOTHING;
  request = g_strdup_printf ("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: %s:%u\r\n"
                             "Connection: close\r\n\r\n", host, port);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request, strlen (request),
                                  NULL, NULL, NULL))
    return PROBE_FOREIGN;
  while (got < sizeof buf - 1 &&
         (n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf + got,
                                   sizeof buf - 1 - got, NULL, NULL)) > 0)
    got += (gsize) n;
  buf[got] = '\0';
  if ((g_str_has_prefix (buf, "HTTP/1.1 200") || g_str_has_prefix (buf, "HTTP/1.0 200")) &&
      strstr (buf, "\r\n\r\n0{\"sid\"") != NULL)
    return PROBE_SIGNALING;
  *answer = g_strndup (buf, strcspn (buf, "\r\n"));
  return PROBE_FOREIGN;
}

/* --signal, else a server on 127.0.0.1:7300, else one started here. */
static char *
signal_url_for (Join *j, const McJoinOptions *o, GError **error)
{
  McCallServerConfig scfg;

  g_autofree char *answer = NULL;

  if (o->signal_url != NULL)
    return g_strdup (o->signal_url);
  switch (probe_signaling ("127.0.0.1", MC_CALL_SERVER_DEFAULT_PORT, &answer)) {
  case PROBE_SIGNALING:
    return g_strdup_printf ("http://127.0.0.1:%u", MC_CALL_SERVER_DEFAULT_PORT);
  case PROBE_FOREIGN:
    /* The others on this machine would meet the same program: say so
     * rather than start a server they would not find. */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                 "127.0.0.1:%u is taken by something that is not a signaling server (it answered '%s'); stop it, "
                 "or run 'meshcall serve --listen 127.0.0.1:PORT' and join with --signal ws://127.0.0.1:PORT",
                 MC_CALL_SERVER_DEFAULT_PORT, answer && answer[0] ? answer : "nothing");
    return NULL;
  case PROBE_NOTHING:
    break;
  }
  mc_call_server_config_init (&scfg);
  scfg.address = "127.0.0.1";
  scfg.port = MC_CALL_SERVER_DEFAULT_PORT;
  j->server = mc_call_server_new (&scfg, NULL);
  if (j->server == NULL) {
    scfg.port = 0;
    j->server = mc_call_server_new (&scfg, error);
  }
  if (j->server == NULL) {
    g_prefix_error (error, "no signaling server configured and none could be started: ");
    return NULL;
  }
  return mc_call_server_get_url (j->server);
}

static int
run (Join *j, const McJoinOptions *o)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr (McIceConfig) ice = NULL;
  g_autoptr (McDtlsCert) cert = NULL;
  McCallConfig cfg = o->call;
  McCallCallbacks callbacks = { .fatal_error = on_fatal };
  McSignaling *sig;

  if (!open_status (j, o, &error))
    return fail (j, MC_EXIT_FAILURE, error);
  /* Before the picture: a warning about the file must reach the terminal. */
  cert = mc_cli_dtls_certificate (o->state_dir, &error);
  if (cert == NULL)
    return fail (j, MC_EXIT_FAILURE, error);
  cfg.peer.dtls_cert = cert;
  j->chat = mc_join_chat_new (o->chat_log, o->say, &error);
  if (j->chat == NULL)
    return fail (j, MC_EXIT_FAILURE, error);
  if (!open_picture (j, o, &callbacks, &cfg, &error))
    return fail (j, MC_EXIT_FAILURE, error);
  chain_status_callbacks (j, &callbacks);
  url = signal_url_for (j, o, &error);
  if (url == NULL)
    return fail (j, MC_EXIT_FAILURE, error);
  if (j->server)
    mc_log_user ("started a signaling server at %s; others on this machine: meshcall join %s", url, o->call_id);
  else if (o->signal_url)
    mc_join_view_set_signal_url (&j->view, o->call_id, url);
  ice = mc_ice_config_for_signal_url (o->call.peer.ice, url);
  cfg.peer.ice = ice;
  sig = mc_signaling_new (mc_cli_signaling_backends, url, &o->signal, &error);
  if (sig == NULL)
    return fail (j, exit_code_for_signaling (error), error);
  j->call = mc_call_new (&cfg, sig, &callbacks, &j->view, &error);
  if (j->call == NULL)
    return fail (j, MC_EXIT_FAILURE, error);
  mc_join_status_set_call (j->status, j->call);
  {
    /* Asked on the picture when there is one and no --accept-files. */
    g_autofree char *ask = j->view.renderer && !o->accept_files ? download_dir () : NULL;
    mc_call_set_file_options (j->call, o->accept_files, ask, o->max_file_size);
  }
  if (o->send_file && !mc_call_send_file (j->call, o->send_file, o->send_to, &error))
    return fail (j, MC_EXIT_USAGE, error);
  if (!mc_call_join (j->call, &error))
    return fail (j, exit_code_for_signaling (error), error);

  j->view.call = j->call;
  mc_join_view_show_self_state (&j->view);
  if (o->duration_s > 0)
    j->duration_id = g_timeout_add_seconds (o->duration_s, on_duration, j);
  if (!mc_cli_terminal_is_taken (j->term) && isatty (STDERR_FILENO))
    j->status_id = g_timeout_add_seconds (1, on_status_tick, j);
  if (mc_cli_terminal_reads_keys (j->term) && !mc_cli_terminal_is_taken (j->term))
    mc_log_user ("press q to leave");
  if (!j->done)
    g_main_loop_run (j->loop);
  return j->exit_code;
}

static void
teardown (Join *j)
{
  clear_status (j);
  g_clear_handle_id (&j->duration_id, g_source_remove);
  g_clear_handle_id (&j->status_id, g_source_remove);
  mc_cli_terminal_set_renderer (j->term, NULL);
  if (j->view.renderer)
    mc_renderer_stop (j->view.renderer);   /* window closed / terminal given back at once */
  /* Terminal modes back, and the signals to their defaults: a Ctrl-C while
   * the call is torn down ends the process. */
  g_clear_pointer (&j->term, mc_cli_terminal_free);
  if (j->status)
    mc_join_status_set_call (j->status, NULL);
  g_clear_pointer (&j->call, mc_call_free);
  g_clear_pointer (&j->chat, mc_join_chat_free);
  mc_join_view_clear (&j->view);
  g_clear_pointer (&j->status, mc_join_status_free);
  /* After the call: its streaming threads push frames until it is down. */
  g_clear_pointer (&j->view.renderer, mc_renderer_free);
  g_clear_pointer (&j->server, mc_call_server_free);
  g_clear_pointer (&j->loop, g_main_loop_unref);
}

int
mc_cmd_join (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  McJoinOptions o;
  Join j = { 0 };
  int code;

  mc_join_options_init (&o);
  code = mc_join_options_parse (&o, argc, argv, &error);
  if (code != MC_EXIT_OK) {
    mc_log_error ("%s", error->message);
    mc_join_options_clear (&o);
    return code;
  }
  gst_init (NULL, NULL);
  mc_gst_log_install ();
  mc_peer_warm_up ();   /* the DTLS key (0.2-1 s) is generated while we set up and connect */
  j.exit_code = MC_EXIT_OK;
  j.loop = g_main_loop_new (NULL, FALSE);
  j.term = mc_cli_terminal_new (on_terminal_quit, &j);
  j.view.quit = on_view_quit;
  j.view.data = &j;
  code = run (&j, &o);
  teardown (&j);
  mc_peer_warm_up_wait ();
  mc_join_options_clear (&o);
  return code;
}
