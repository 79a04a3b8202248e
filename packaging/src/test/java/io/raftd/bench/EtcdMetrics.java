package io.raftd.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The counters of one etcd member that the comparison reads from its {@code /metrics} (Prometheus text format):
 * WAL fsyncs, proposals committed (on the leader: the entries those fsyncs made durable) and whether it leads.
 */
record EtcdMetrics(long walFsyncs, long proposalsCommitted, boolean leader) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static EtcdMetrics parse(String text) {
    return new EtcdMetrics((long) sample(text, "etcd_disk_wal_fsync_duration_seconds_count"),
        (long) sample(text, "etcd_server_proposals_committed_total"), sample(text, "etcd_server_is_leader") == 1);
  }

  /** The member's metrics, from its client URL. */
  static EtcdMetrics fetch(String endpoint) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET http://" + endpoint + "/metrics: " + r.statusCode());
    }
    return parse(r.body());
  }

  /**
   * The value of the sample {@code name} without labels: the line "name value" (a timestamp may follow). Lines
   * of other metrics that start with the same name (name_bucket{...}, name_sum) are not it.
   */
  static double sample(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim().split(" ")[0]);
      }
    }
    throw new IllegalArgumentException("no sample " + name + " in the metrics");
  }
}
