package io.raftd.metrics;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The HTTP endpoints on metrics_address: {@code /metrics} (Prometheus text, or OpenMetrics when the scraper
 * asks for it, written by the Prometheus client), {@code /livez}, {@code /readyz} (200 or 503, one line per
 * check, as Kubernetes' own endpoints answer) and {@code /healthz} (the same checks as JSON). One lane
 * serves them: a scrape or a probe is small and rare.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Gson GSON = new Gson();

  private final InetSocketAddress bind;
  private final HttpServer server;
  private volatile boolean started;

  /**
   * @param exchanges runs each request's handler: a lane of the daemon's runtime (the server's own thread
   *     only accepts and reads requests), which its owner closes after this
   */
  public MetricsServer(InetSocketAddress bind, PrometheusRegistry registry, HealthChecks health, Executor exchanges)
      throws IOException {
    this.bind = bind;
    this.server = HttpServer.create();
    server.setExecutor(exchanges);
    server.createContext("/metrics", getOnly(new MetricsHandler(registry)));
    server.createContext("/livez", getOnly(x -> probe(x, health::liveness, "livez")));
    server.createContext("/readyz", getOnly(x -> probe(x, health::readiness, "readyz")));
    server.createContext("/healthz", getOnly(x -> json(x, health.all())));
    server.createContext("/", x -> answer(x, 404, "text/plain", "not found: try /metrics, /livez, /readyz or /healthz\n"));
  }

  /** Binds the address and starts serving. */
  public void start() throws IOException {
    server.bind(bind, 16);
    server.start();
    started = true;
  }

  /** The address it listens on (with the real port when bound to port 0). */
  public InetSocketAddress boundAddress() {
    return server.getAddress();
  }

  private static HttpHandler getOnly(HttpHandler handler) {
    return x -> {
      if (!x.getRequestURI().getPath().equals(x.getHttpContext().getPath())) {
        answer(x, 404, "text/plain", "not found: " + x.getRequestURI().getPath() + "\n");
      } else if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
        x.getResponseHeaders().set("Allow", "GET, HEAD");
        answer(x, 405, "text/plain", "only GET and HEAD\n");
      } else {
        handler.handle(x);
      }
    };
  }

  /** Kubernetes' format: "[+]name ok" or "[-]name failed: why" per check, then the verdict. */
  private static void probe(HttpExchange x, Supplier<HealthChecks.Report> checks, String what) throws IOException {
    HealthChecks.Report report = checks.get();
    StringBuilder body = new StringBuilder();
    for (HealthChecks.Check c : report.checks()) {
      body.append(c.healthy() ? "[+]" : "[-]").append(c.name()).append(c.healthy() ? " ok: " : " failed: ")
          .append(c.detail()).append('\n');
    }
    body.append(what).append(report.healthy() ? " check passed\n" : " check failed\n");
    answer(x, report.healthy() ? 200 : 503, "text/plain", body.toString());
  }

  private static void json(HttpExchange x, HealthChecks.Report report) throws IOException {
    JsonObject body = new JsonObject();
    body.addProperty("healthy", report.healthy());
    JsonArray checks = new JsonArray();
    for (HealthChecks.Check c : report.checks()) {
      JsonObject check = new JsonObject();
      check.addProperty("name", c.name());
      check.addProperty("healthy", c.healthy());
      check.addProperty("detail", c.detail());
      checks.add(check);
    }
    body.add("checks", checks);
    answer(x, report.healthy() ? 200 : 503, "application/json", GSON.toJson(body) + "\n");
  }

  private static void answer(HttpExchange x, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    boolean head = x.getRequestMethod().equals("HEAD");
    x.sendResponseHeaders(code, head ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }

  /** Stops listening, and answering (a scrape cut off is retried by the scraper). */
  @Override
  public void close() {
    if (started) {
      server.stop(0);  // JDK 17 waits the whole delay even when nothing is in progress
    }
  }
}
