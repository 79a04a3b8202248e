package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A member's admin port as far as the client library sees it: frames in, frames out, answered by a function of
 * the request. A request the function answers with null is held unanswered until {@link #answerHeld}.
 */
final class FakeMember implements AutoCloseable {
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Function<AdminRequest, AdminResponse.Builder> answers;
  /** Requests not answered yet, with the stream their answer goes to. */
  private final List<Held> held = new ArrayList<>();

  private record Held(AdminRequest request, DataOutputStream out) {}

  FakeMember(Function<AdminRequest, AdminResponse.Builder> answers) throws IOException {
    this.answers = answers;
    threads.execute(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          connections.incrementAndGet();
          threads.execute(() -> serve(s));
        } catch (IOException e) {
          return;  // closed
        }
      }
    });
  }

  String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** Answers every request held so far with {@code answer}; returns how many there were. */
  int answerHeld(Function<AdminRequest, AdminResponse.Builder> answer) throws IOException {
    List<Held> all;
    synchronized (held) {
      all = new ArrayList<>(held);
      held.clear();
    }
    for (Held h : all) {
      write(h.out, answer.apply(h.request).setId(h.request.getId()));
    }
    return all.size();
  }

  private void serve(Socket s) {
    try (s; DataInputStream in = new DataInputStream(s.getInputStream());
         DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()))) {
      s.setTcpNoDelay(true);
      while (true) {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        AdminRequest r = AdminRequest.parseFrom(frame);
        requests.incrementAndGet();
        AdminResponse.Builder answer = answers.apply(r);
        if (answer == null) {
          synchronized (held) {
            held.add(new Held(r, out));
          }
        } else {
          write(out, answer.setId(r.getId()));
        }
      }
    } catch (IOException e) {
      // the client went away, or the test ended
    }
  }

  private static void write(DataOutputStream out, AdminResponse.Builder answer) throws IOException {
    byte[] bytes = answer.build().toByteArray();
    synchronized (out) {
      out.writeInt(bytes.length);
      out.write(bytes);
      out.flush();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    threads.shutdownNow();
  }
}
