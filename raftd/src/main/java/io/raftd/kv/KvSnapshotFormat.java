package io.raftd.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * The key-value store's snapshot stream. Version 1:
 *
 * <pre>
 *   magic         4 bytes, "RDKV"
 *   version       varint, 1
 *   key count     varint n
 *   n KeyValue    each length-delimited (varint size, then the message), in key order
 *   record count  varint m
 *   m AppendedRecord  each length-delimited, in index order
 * </pre>
 *
 * The counts come first so that a reader knows where the stream ends and never reads past it (the caller
 * may keep other bytes after it). A reader refuses another magic or version rather than guess.
 */
final class KvSnapshotFormat {
  private static final byte[] MAGIC = "RDKV".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;

  private KvSnapshotFormat() {}

  static void write(KvState state, OutputStream out) throws IOException {
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    coded.writeRawBytes(MAGIC);
    coded.writeUInt32NoTag(VERSION);
    coded.writeUInt32NoTag(state.kvs().size());
    for (Map.Entry<ByteString, KeyValue> e : state.kvs()) {
      writeDelimited(coded, e.getValue());
    }
    coded.writeUInt32NoTag(state.records().size());
    for (Map.Entry<Long, AppendedRecord> e : state.records()) {
      writeDelimited(coded, e.getValue());
    }
    coded.flush();
  }

  /** @throws IOException if the stream fails, ends early or is not a version-1 store snapshot */
  static KvState read(InputStream in) throws IOException {
    if (!Arrays.equals(in.readNBytes(MAGIC.length), MAGIC)) {
      throw new IOException("not a key-value store snapshot (bad magic)");
    }
    int version = readCount(in);
    if (version != VERSION) {
      throw new IOException("key-value store snapshot format " + version + ", this version reads " + VERSION);
    }
    // Entries are added as if each key were new: a repeated one is caught by the sizes below, and the
    // state, its byte count wrong then, is thrown away with it.
    KvState state = KvState.EMPTY;
    int keys = readCount(in);
    for (int i = 0; i < keys; i++) {
      state = state.put(null, KeyValue.parseFrom(readMessage(in)));
    }
    int records = readCount(in);
    for (int i = 0; i < records; i++) {
      state = state.append(AppendedRecord.parseFrom(readMessage(in)));
    }
    if (state.kvs().size() != keys || state.records().size() != records) {
      throw new IOException("key-value store snapshot repeats a key or an index");
    }
    return state;
  }

  private static void writeDelimited(CodedOutputStream coded, MessageLite message) throws IOException {
    coded.writeUInt32NoTag(message.getSerializedSize());
    message.writeTo(coded);
  }

  private static byte[] readMessage(InputStream in) throws IOException {
    int size = readCount(in);
    byte[] bytes = in.readNBytes(size);
    if (bytes.length < size) {
      throw new EOFException("key-value store snapshot ends inside a message");
    }
    return bytes;
  }

  /** A varint that must fit a non-negative int, read byte by byte so as not to read past it. */
  private static int readCount(InputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      throw new EOFException("key-value store snapshot ends early");
    }
    int value = CodedInputStream.readRawVarint32(first, in);
    if (value < 0) {
      throw new IOException("key-value store snapshot holds a negative count or size");
    }
    return value;
  }
}
