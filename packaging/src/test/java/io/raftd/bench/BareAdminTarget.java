package io.raftd.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQuery;
import io.raftd.proto.ReadRequest;
import io.raftd.proto.WriteRequest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under the client library's cost (issue 19, item 2): the least a client of the admin protocol does.
 * One socket to the leader, requests pipelined and matched to answers by id; no leader discovery, no retries, no
 * time limits, no decoding of answers beyond their id and whether they carry an error. Frames are queued and
 * whoever finds nobody writing writes the queue and flushes once, so a burst of requests is one write to the
 * socket. Not the library's code: what it measures against must not share its costs.
 */
final class BareAdminTarget implements LoadTarget {
  private static final int ID_FIELD = 1;
  private static final int ERROR_FIELD = 2;

  private final Socket socket = new Socket();
  private final OutputStream out;
  private final DataInputStream in;
  private final Map<Long, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final Queue<byte[]> outgoing = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean writing = new AtomicBoolean();

  /** Connects to the leader's admin port (host:port), which must have neither authentication nor TLS. */
  BareAdminTarget(String leaderAddress) throws IOException {
    int colon = leaderAddress.lastIndexOf(':');
    socket.connect(new InetSocketAddress(leaderAddress.substring(0, colon),
        Integer.parseInt(leaderAddress.substring(colon + 1))), 5_000);
    socket.setTcpNoDelay(true);
    out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 << 10));
    Thread reader = new Thread(this::read, "bare-admin-reader");
    reader.setDaemon(true);
    reader.start();
  }

  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    ByteString command = KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
        .setValue(UnsafeByteOperations.unsafeWrap(value))).build().toByteString();
    long id = ids.incrementAndGet();
    return send(id, AdminRequest.newBuilder().setId(id)
        .setWrite(WriteRequest.newBuilder().setCommand(command)).build());
  }

  @Override
  public CompletableFuture<Void> get(byte[] key, boolean linearizable) {
    ByteString query = KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key)))
        .build().toByteString();
    long id = ids.incrementAndGet();
    return send(id, AdminRequest.newBuilder().setId(id)
        .setRead(ReadRequest.newBuilder().setQuery(query).setStale(!linearizable)).build());
  }

  private CompletableFuture<Void> send(long id, AdminRequest request) {
    CompletableFuture<Void> answer = new CompletableFuture<>();
    waiting.put(id, answer);
    int size = request.getSerializedSize();
    byte[] frame = new byte[4 + size];
    frame[0] = (byte) (size >>> 24);
    frame[1] = (byte) (size >>> 16);
    frame[2] = (byte) (size >>> 8);
    frame[3] = (byte) size;
    try {
      CodedOutputStream coded = CodedOutputStream.newInstance(frame, 4, size);
      request.writeTo(coded);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    outgoing.add(frame);
    while (!outgoing.isEmpty() && writing.compareAndSet(false, true)) {
      try {
        for (byte[] f; (f = outgoing.poll()) != null; ) {
          out.write(f);
        }
        out.flush();
      } catch (IOException e) {
        failAll(e);
      } finally {
        writing.set(false);
      }
    }
    return answer;
  }

  /** Reads answers: the id, and whether there is an error; the body is skipped unread. */
  private void read() {
    try {
      byte[] frame = new byte[1 << 16];
      while (true) {
        int length = in.readInt();
        if (length > frame.length) {
          frame = new byte[length];
        }
        in.readFully(frame, 0, length);
        CodedInputStream coded = CodedInputStream.newInstance(frame, 0, length);
        long id = 0;
        boolean error = false;
        for (int tag; (tag = coded.readTag()) != 0; ) {
          if (WireFormat.getTagFieldNumber(tag) == ID_FIELD) {
            id = coded.readUInt64();
          } else {
            error |= WireFormat.getTagFieldNumber(tag) == ERROR_FIELD;
            coded.skipField(tag);
          }
        }
        CompletableFuture<Void> answer = waiting.remove(id);
        if (answer == null) {
          continue;
        }
        if (error) {
          answer.completeExceptionally(new IOException("the member answered request " + id + " with an error"));
        } else {
          answer.complete(null);
        }
      }
    } catch (IOException e) {
      failAll(e);
    }
  }

  private void failAll(IOException e) {
    waiting.values().forEach(f -> f.completeExceptionally(e));
    waiting.clear();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing: nothing to report
    }
  }
}
