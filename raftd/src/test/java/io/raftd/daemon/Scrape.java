package io.raftd.daemon;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A scrape of a member's /metrics, parsed by the Prometheus project's own parser: its Python client
 * (Debian's python3-prometheus-client, which .ci/run installs), in the text format or in OpenMetrics. Our
 * own parser could agree with our own mistakes.
 */
final class Scrape {
  /** Debian's interpreter: the one Debian's package installs the client for. */
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String PARSER = """
      import json, sys
      from prometheus_client.parser import text_string_to_metric_families as text
      from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
      parse = openmetrics if sys.argv[1] == "openmetrics" else text
      for family in parse(sys.stdin.read()):
          for s in family.samples:
              print(json.dumps({"family": family.name, "type": family.type, "name": s.name,
                                "labels": s.labels, "value": s.value}))
      """;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One sample: a series' name, its labels and its value. */
  record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

  final String contentType;
  final List<Sample> samples;

  private Scrape(String contentType, List<Sample> samples) {
    this.contentType = contentType;
    this.samples = samples;
  }

  /** GETs {@code /metrics} on {@code port}, in OpenMetrics if {@code openMetrics}, and parses it. */
  static Scrape of(int port, boolean openMetrics) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(10));
    if (openMetrics) {
      request.header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");
    }
    HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + r.statusCode() + ": " + r.body());
    }
    return new Scrape(r.headers().firstValue("Content-Type").orElse(""), parse(r.body(), openMetrics));
  }

  /** An HTTP GET of {@code path} on {@code port}: its status code and body. */
  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<Sample> parse(String exposition, boolean openMetrics) throws IOException, InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      throw new AssertionError(PYTHON + " is missing: install python3 and python3-prometheus-client (apt-get)");
    }
    Process p = new ProcessBuilder(PYTHON.toString(), "-c", PARSER, openMetrics ? "openmetrics" : "text")
        .redirectErrorStream(false).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("the Prometheus parser refused the exposition"
          + (err.contains("No module named 'prometheus_client'") ? " (install python3-prometheus-client)" : "")
          + ": " + err + "\n--- exposition ---\n" + exposition);
    }
    List<Sample> samples = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      Map<String, String> labels = new TreeMap<>();
      for (Map.Entry<String, JsonElement> l : o.getAsJsonObject("labels").entrySet()) {
        labels.put(l.getKey(), l.getValue().getAsString());
      }
      samples.add(new Sample(o.get("family").getAsString(), o.get("type").getAsString(), o.get("name").getAsString(),
          labels, o.get("value").getAsDouble()));
    }
    return samples;
  }

  /** The value of the one sample named {@code name} with these labels (name, value pairs); fails if none. */
  double value(String name, String... labels) {
    Map<String, String> wanted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    for (Sample s : samples) {
      if (s.name().equals(name) && s.labels().entrySet().containsAll(wanted.entrySet())) {
        return s.value();
      }
    }
    throw new AssertionError("no sample " + name + wanted + " in the scrape");
  }

  /** The type the exposition gave the family {@code family} ("counter", "gauge", "histogram"...). */
  String type(String family) {
    return samples.stream().filter(s -> s.family().equals(family)).map(Sample::type).findFirst()
        .orElseThrow(() -> new AssertionError("no family " + family + " in the scrape"));
  }
}
