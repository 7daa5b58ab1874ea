/* Renderers: what the user looks at. One small vtable (McRendererClass);
 * the back ends are their own libraries (render/sdl: the SDL2 grid,
 * render/text: the terminal grid through libchafa) and the program lists
 * them in a static table (renderer_table.h: parsing --render against it and
 * opening with the fallback); with none, frames are accepted and dropped
 * (headless). The core here knows no back end, and owns no process
 * concern: a back end that needs the terminal asks the program for it
 * through McRendererHost, and the program hands it keys and resizes.
 *
 * The call core drives a renderer through the mc_renderer_* functions below:
 * tiles are added, renamed and removed as peers come and go, decoded frames
 * are pushed as GstSamples, and hotkeys come back through an action callback.
 *
 * Threading: mc_renderer_new/start/stop/free run on the thread that owns the
 * main loop (for SDL that must be the process's main thread); drawing and
 * input happen there, from a source attached to the thread-default
 * GMainContext at start. Every other function is thread-safe, and
 * mc_renderer_push_frame() / mc_renderer_push_self_frame() never block a
 * streaming thread: they only swap the tile's latest sample under a short
 * mutex (a stalled peer keeps its last frame; frames that arrive faster than
 * the display rate are dropped, never queued). A back end with a prepare
 * hook (McRendererClass) has it run there too, outside the lock: the frame
 * scaled and converted to what it draws, in the stream's own thread.
 *
 * Redraws follow the pictures: the core hands a back end a view at most as
 * often as the fastest incoming frame rate (each tile's frame interval is
 * measured from its pushes), never more than max_fps, and only when
 * something changed. A tile's first frame is not made to wait for a tick:
 * its push wakes the main context for one at once.
 */
#pragma once

#include <glib.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define MC_RENDERER_ERROR (mc_renderer_error_quark ())
GQuark mc_renderer_error_quark (void);

typedef enum {
  MC_RENDERER_ERROR_BAD_KIND,   /* unknown --render value */
  MC_RENDERER_ERROR_UNAVAILABLE,/* no display / not a terminal / SDL or font failure */
} McRendererError;

/* What a hotkey asks for. FULLSCREEN, STATS and SELF_VIEW are carried out by
 * the renderer itself and reported for information; MUTE, CAMERA and QUIT
 * are for the core (which reports the new state back with
 * mc_renderer_set_self_flags). */
typedef enum {
  MC_RENDER_ACTION_MUTE,        /* m */
  MC_RENDER_ACTION_CAMERA,      /* v */
  MC_RENDER_ACTION_FULLSCREEN,  /* f */
  MC_RENDER_ACTION_STATS,       /* s */
  MC_RENDER_ACTION_SELF_VIEW,   /* p */
  MC_RENDER_ACTION_QUIT,        /* q, Esc, window closed */
  MC_RENDER_ACTION_ACCEPT,      /* y: yes to what the chat overlay asks (a file offered); only with chat_send */
  MC_RENDER_ACTION_REFUSE,      /* n: no to it */
} McRenderAction;

const char *mc_render_action_to_string (McRenderAction action);

typedef enum {
  MC_TILE_MUTED = 1 << 0,       /* microphone muted: mark on the tile */
  MC_TILE_CAMERA_OFF = 1 << 1,  /* camera off: placeholder instead of video */
  MC_TILE_SPEAKING = 1 << 2,    /* highlighted border (also set by the level-based detector) */
  MC_TILE_RECONNECTING = 1 << 3,/* the connection is being made again: a mark on the last picture */
} McTileFlags;

/* Per-tile numbers for the stats overlay ('s'). Negative = unknown. The
 * resolution and fps are measured by the renderer from the frames. */
typedef struct {
  double kbps_in;
  double kbps_out;
  double rtt_ms;
  double loss;       /* fraction lost, 0..1 */
  /* What we send it (the send adaptation); 0 = unknown / not shown. */
  double estimate_kbps;             /* our estimate of its path, audio and video */
  int tier, tier_width, tier_height, tier_fps;   /* the tier it gets (shown when tier_width > 0) */
} McTileStats;

typedef struct _McRenderer McRenderer;
typedef struct _McRendererClass McRendererClass;

typedef void (*McRenderActionFunc) (McRenderer *r, McRenderAction action, gpointer user_data);

/* Reported after every present (main thread), for tests and benchmarks. */
typedef struct {
  guint n_tiles;
  guint n_with_frames;       /* tiles that have shown at least one frame */
  guint n_uploaded;          /* new frames uploaded for this present */
  gint64 max_latency_us;     /* push_frame -> present, worst of the uploaded frames, or -1 */
  gint64 render_us;          /* time spent in this render (upload + draw + present) */
  guint n_drawn;             /* pictures (tiles and self view) painted for this present */
  gboolean full;             /* the whole window was repainted (layout or overlay change) */
} McRenderPresentInfo;

typedef void (*McRenderPresentedFunc) (McRenderer *r, const McRenderPresentInfo *info, gpointer user_data);

/* The terminal a back end draws on, as the program hands it over. */
typedef struct {
  int in_fd;    /* replies to queries (raw mode, no echo) until the main loop runs; -1: none */
  int out_fd;   /* a terminal */
} McRendererTerminal;

/* What a back end may ask of the program that runs it (the program owns the
 * terminal and the signals: cli/terminal.h). The program also hands a back
 * end that draws on the terminal its keys (mc_renderer_handle_key) and
 * resizes (mc_renderer_invalidate). Every member may be NULL. */
typedef struct {
  /* Takes the terminal for drawing until release_terminal. `restore` is
   * the escape sequence that undoes the back end's drawing (attributes,
   * cursor, alternate screen): the host writes it before it gives the
   * terminal back, on every exit path. FALSE: no terminal to draw on. */
  gboolean (*take_terminal) (gpointer data, const char *restore, McRendererTerminal *terminal);
  /* Writes `restore` now; the terminal is no longer the back end's. */
  void (*release_terminal) (gpointer data);
  gpointer data;
} McRendererHost;

typedef struct {
  const char *variant;       /* the back end's variant (NAME:VARIANT of --render), NULL = its default */
  const McRendererHost *host;  /* borrowed, outlives the renderer; NULL = no terminal to take */
  gboolean fullscreen;       /* kiosk: fullscreen, no decorations, hidden cursor */
  gboolean self_view;        /* show the picture-in-picture self view */
  gboolean show_stats;       /* start with the stats overlay on */
  const char *font;          /* font file, or a fontconfig pattern; NULL = "DejaVu Sans:bold" */
  const char *call_id;       /* for "Waiting for others to join CALL_ID" */
  const char *title;         /* window title; NULL = "meshcall" */
  int width, height;         /* initial window size; 0 = 960x540 */
  guint max_fps;             /* render at most this often; 0 = 60 (SDL) / 15 (text) */
  /* How the back end draws (its own names: the SDL grid's surface, software,
   * opengl, opengles2); NULL or "auto": the cheapest it finds here. */
  const char *path;
  /* Monotonic time in microseconds; NULL = g_get_monotonic_time (tests
   * drive the redraw rate with their own clock). */
  gint64 (*clock) (void);
  McRenderActionFunc action;
  McRenderPresentedFunc presented;  /* optional */
  /* Optional: the program takes chat. Then 't' opens the one-line input,
   * 'c' hides or shows the chat overlay, and Enter hands the typed line
   * here (main thread). */
  void (*chat_send) (McRenderer *r, const char *text, gpointer user_data);
  gpointer user_data;
} McRendererOptions;

/* Creates the renderer (nothing is shown until start); klass NULL: none.
 * Most programs open one from their table instead (renderer_table.h). */
McRenderer *mc_renderer_new (const McRendererClass *klass, const McRendererOptions *options, GError **error);
/* Opens the window / takes over the terminal and starts drawing from the
 * thread-default main context. */
gboolean mc_renderer_start (McRenderer *r, GError **error);
/* Closes the window / restores the terminal. Idempotent; free calls it. */
void mc_renderer_stop (McRenderer *r);
void mc_renderer_free (McRenderer *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (McRenderer, mc_renderer_free)

/* The class's name ("sdl", "text"; "none" without a class). */
const char *mc_renderer_get_name (McRenderer *r);
const McRendererClass *mc_renderer_get_class (McRenderer *r);

/* Tiles, one per remote participant, identified by the peer id. Adding an
 * existing id renames it; removing an unknown id is a no-op. */
void mc_renderer_add_tile (McRenderer *r, const char *id, const char *name);
void mc_renderer_rename_tile (McRenderer *r, const char *id, const char *name);
void mc_renderer_remove_tile (McRenderer *r, const char *id);
guint mc_renderer_get_n_tiles (McRenderer *r);

/* The latest decoded frame of a tile (video/x-raw; I420, YV12 and NV12 are
 * uploaded without conversion by SDL; other raw formats are converted). Takes
 * its own reference. Any thread; never blocks. Unknown id: dropped. */
void mc_renderer_push_frame (McRenderer *r, const char *id, GstSample *sample);
void mc_renderer_set_tile_flags (McRenderer *r, const char *id, guint flags);
/* Only the flags in mask take their value from flags; the others stay. */
void mc_renderer_change_tile_flags (McRenderer *r, const char *id, guint mask, guint flags);
void mc_renderer_set_tile_stats (McRenderer *r, const char *id, const McTileStats *stats);
/* Audio level (dB, from the `level` element) of a tile; feeds the active
 * speaker detection (speaker.h) that sets MC_TILE_SPEAKING. */
void mc_renderer_set_tile_level (McRenderer *r, const char *id, double level_db);

/* The local camera for the picture-in-picture, and the local state
 * (MC_TILE_MUTED / MC_TILE_CAMERA_OFF) shown on it. */
void mc_renderer_push_self_frame (McRenderer *r, GstSample *sample);
void mc_renderer_set_self_flags (McRenderer *r, guint flags);

/* A banner over everything (e.g. "Reconnecting to signaling…"); NULL clears. */
void mc_renderer_set_status (McRenderer *r, const char *text);
/* The recording mark, shown over everything for as long as it is set:
 * who records the call ("recorder", "bot-1, bot-2"); NULL clears it. */
void mc_renderer_set_recording (McRenderer *r, const char *who);
/* The file transfers under way, one line at the bottom left above the
 * chat ("report.pdf to alice 42%  ·  x.bin from bob 7%"); NULL clears it. */
void mc_renderer_set_transfers (McRenderer *r, const char *text);
/* Replaces the text shown while there are no tiles (NULL = the default
 * "Waiting for others to join CALL_ID — run: meshcall join CALL_ID"). */
void mc_renderer_set_waiting_text (McRenderer *r, const char *text);

/* A chat message for the overlay (chat_overlay.h): "NAME: TEXT", fading
 * after a while; name NULL: a notice of ours (e.g. why a line was not
 * sent). Any thread. */
void mc_renderer_add_chat (McRenderer *r, const char *name, const char *text);
/* Text typed into the chat input (SDL's text input); FALSE when it is closed. */
gboolean mc_renderer_handle_text (McRenderer *r, const char *utf8);
/* The chat input is open: every key is the input's (back ends that see
 * keys and typed text separately pass only Enter, Backspace and Esc as keys). */
gboolean mc_renderer_chat_input_is_open (McRenderer *r);

/* Acts on a hotkey as if typed ('m', 'v', 'f', 's', 'p', 'q', 27 = Esc);
 * back ends call this for their input, the program for keys typed in its
 * terminal. Returns FALSE for keys that mean nothing. Main thread only. */
gboolean mc_renderer_handle_key (McRenderer *r, int key);

/* ------------------------------------------------------------------------
 * For back ends.
 */

typedef struct {
  char *id;
  char *name;
  guint flags;           /* with MC_TILE_SPEAKING for the active speaker */
  GstSample *sample;     /* latest frame (a reference) or NULL */
  guint64 seq;           /* increases with every pushed frame; 0 = none yet */
  gint64 push_us;        /* monotonic time the latest frame was pushed */
  McTileStats stats;
  gboolean has_stats;
  double fps;            /* measured over the last second */
  int width, height;     /* of the latest frame, 0 if none */
  double aspect;         /* display aspect of the latest frame, 0 if none */
  GstSample *prepared;   /* what the class's prepare made of the latest frame (a reference), or NULL */
} McRendererTileView;

/* A consistent copy of everything to draw, taken under the lock. */
typedef struct {
  GArray *tiles;         /* McRendererTileView, in the order they were added */
  McRendererTileView self;
  gboolean self_view;
  gboolean show_stats;
  gboolean fullscreen;
  char *status;          /* or NULL */
  char *waiting;         /* text for an empty call */
  char *recording;       /* who records the call (mc_overlay_recording_mark), or NULL */
  char **chat;           /* the chat overlay's lines, oldest first, safe to print, or NULL */
  double chat_alpha;     /* ... their opacity, 0..1 */
  guint chat_unread;     /* messages that came while the chat was hidden ('c') */
  char *chat_input;      /* the input line being typed (safe to print), or NULL when closed */
  char *transfers;       /* the transfers line (mc_renderer_set_transfers, safe to print), or NULL */
} McRendererView;

/* The size (and the back end's own pixel format code) a back end draws a
 * tile's picture at, handed to its prepare hook. width 0: not known yet. */
typedef struct {
  int width, height;
  guint32 format;
} McRendererTarget;

/* One row of a program's table of renderers. */
struct _McRendererClass {
  const char *name;          /* what --render says: "sdl", "text" */
  /* For help and notices: where it draws ("a window", "the terminal") and
   * when auto picks it ("when there is a display"; NULL: say nothing). */
  const char *where;
  const char *when;
  /* The variants --render lists as NAME:VARIANT (NULL-terminated, NULL =
   * none), and the check of one (it may accept more than it lists; NULL:
   * no variant is accepted). Options' variant is one it accepted. */
  const char *const *variants;
  gboolean (*check_variant) (const char *variant);
  /* Whether auto may pick it here: FALSE with the reason (no display, not
   * a terminal). Cheap and without side effects; NULL: always. A class
   * asked for by name is started without it (its start says what failed). */
  gboolean (*probe) (GError **error);
  guint default_max_fps;     /* 0 = 60 */
  int self_view_width;       /* width of the self-view frames it wants (0: none) */
  gboolean (*start) (McRenderer *r, GError **error);
  void (*stop) (McRenderer *r);
  /* Called on the main context at max_fps, and once at once for a tile's
   * first frame: poll input, and draw if mc_renderer_take_view() says
   * something changed. */
  void (*tick) (McRenderer *r);
  /* Optional: what the back end will draw of a pushed frame, made on the
   * pushing (streaming) thread outside the model's lock, for the target the
   * back end last set for the tile (mc_renderer_set_tile_target). Returns
   * a new sample, or NULL to draw from the frame itself. Must be
   * thread-safe: several streams call it at once. */
  GstSample *(*prepare) (GstSample *sample, const McRendererTarget *target);
  /* Fullscreen was toggled (optional). */
  void (*set_fullscreen) (McRenderer *r, gboolean fullscreen);
  void (*finalize) (McRenderer *r);
};

/* Fills view and returns TRUE if anything changed since the last call (or
 * mc_renderer_invalidate was called); returns FALSE and leaves view empty
 * otherwise. Free with mc_renderer_view_clear. */
gboolean mc_renderer_take_view (McRenderer *r, McRendererView *view);
void mc_renderer_view_clear (McRendererView *view);
/* Forces a redraw on the next tick (resize, expose). */
void mc_renderer_invalidate (McRenderer *r);
/* What the back end draws a tile's picture at (id NULL: the self view), for
 * the class's prepare hook. Any thread; unknown id: ignored. */
void mc_renderer_set_tile_target (McRenderer *r, const char *id, const McRendererTarget *target);
/* The shortest interval between redraws now, in microseconds: the fastest
 * incoming frame interval, never below 1/max_fps. */
gint64 mc_renderer_get_redraw_interval (McRenderer *r);
/* Back ends report a finished present (drives McRenderPresentedFunc). */
void mc_renderer_report_present (McRenderer *r, const McRendererView *view, guint n_uploaded,
                                 gint64 max_latency_us, gint64 render_us);
/* The same with what a back end that repaints only what changed knows
 * (n_drawn, full); n_tiles and n_with_frames are filled in here. */
void mc_renderer_report_present_info (McRenderer *r, const McRendererView *view, const McRenderPresentInfo *info);

const McRendererOptions *mc_renderer_get_options (McRenderer *r);
/* Back-end private data (one pointer, owned by the back end). */
gpointer mc_renderer_get_backend_data (McRenderer *r);
void mc_renderer_set_backend_data (McRenderer *r, gpointer data);

/* Writes all of buf to fd (a terminal), again after EINTR or a short write;
 * gives up on an error. For back ends that draw on a terminal, and for the
 * host that writes their restore sequence. */
void mc_renderer_write_all (int fd, const char *buf, gsize len);

/* Display aspect (width/height with pixel aspect) and size of a raw video
 * sample; FALSE if the caps are not raw video. */
gboolean mc_renderer_sample_geometry (GstSample *sample, int *width, int *height, double *aspect);

G_END_DECLS
