/* Answers written on a connection directly (http_answer.h). */
#include "http_answer.h"
#include "meshcall/base/json.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <sys/socket.h>
#include <unistd.h>

char *
mc_http_error_json (const char *message)
{
  JsonObject *obj = json_object_new ();
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), obj);

  json_object_set_string_member (obj, "error", message);
  json_object_unref (obj);
  return mc_json_encode (node);
}

void
mc_http_send_answer (int fd, GIOStream *tls, guint status, const char *json)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  g_autofree char *text = g_strdup_printf ("HTTP/1.1 %u %s\r\nServer: meshcall/" MESHCALL_VERSION "\r\n"
                                           "Date: %s\r\nContent-Type: application/json\r\n"
                                           "Content-Length: %zu\r\nCache-Control: no-store\r\n%s"
                                           "Connection: close\r\n\r\n%s",
                                           status, soup_status_get_phrase (status), date, strlen (json),
                                           status == SOUP_STATUS_SERVICE_UNAVAILABLE ? "Retry-After: 1\r\n" : "",
                                           json);
  ssize_t n;

  if (tls) {
    g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (tls)), text,
                                                strlen (text), NULL, NULL);
    return;
  }
  do
    n = send (fd, text, strlen (text), MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
}

void
mc_http_refuse_fd (int fd, gboolean answer, const char *message)
{
  g_autofree char *json = mc_http_error_json (message);
  char buf[4096];

  for (int i = 0; i < 4 && recv (fd, buf, sizeof buf, MSG_DONTWAIT) > 0; i++)
    ;
  if (answer)
    mc_http_send_answer (fd, NULL, SOUP_STATUS_SERVICE_UNAVAILABLE, json);
  close (fd);
}
