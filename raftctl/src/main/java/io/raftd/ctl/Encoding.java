package io.raftd.ctl;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How raftctl spells bytes (keys, values, payloads) in arguments and output ({@code --encoding}). Keys and
 * values are bytes; utf8 is the default because most are text, hex and base64 carry any bytes.
 */
enum Encoding {
  utf8, hex, base64;

  /** The bytes an argument spells; a USAGE failure naming {@code what} if it does not spell any. */
  ByteString decode(String argument, String what) throws CtlException {
    try {
      return switch (this) {
        case utf8 -> ByteString.copyFromUtf8(argument);
        case hex -> ByteString.copyFrom(HexFormat.of().parseHex(argument));
        case base64 -> ByteString.copyFrom(Base64.getDecoder().decode(argument));
      };
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.USAGE, what + " is not " + this + ": " + shortened(argument)
          + (this == hex ? " (give an even number of digits 0-9a-f)" : " (give standard base64, padded with =)"));
    }
  }

  /** The bytes spelt in this encoding; with utf8, text that is not UTF-8 is escaped (\xff) so a line stays one line of text. */
  String text(ByteString bytes) {
    return switch (this) {
      case utf8 -> {
        String s = strictUtf8(bytes);
        yield s != null ? s : escaped(bytes);
      }
      case hex -> HexFormat.of().formatHex(bytes.toByteArray());
      case base64 -> Base64.getEncoder().encodeToString(bytes.toByteArray());
    };
  }

  /**
   * Adds {@code field} to a JSON document: with utf8, bytes that are UTF-8 as a string, others as base64 with
   * {@code field_encoding: "base64"} beside it (JSON strings cannot hold arbitrary bytes); with hex or base64,
   * always in that encoding, with {@code field_encoding} saying which. No {@code field_encoding}: plain text.
   */
  void addTo(JsonObject o, String field, ByteString bytes) {
    String text = this == utf8 ? strictUtf8(bytes) : null;
    if (text != null) {
      o.addProperty(field, text);
      return;
    }
    Encoding used = this == utf8 ? base64 : this;
    o.addProperty(field, used.text(bytes));
    o.addProperty(field + "_encoding", used.name());
  }

  /** The bytes as a string if they are well-formed UTF-8, else null (never U+FFFD replacements). */
  static String strictUtf8(ByteString bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Printable ASCII as it is, every other byte as \xNN; a backslash as \x5c, so the escaping is unambiguous. */
  static String escaped(ByteString bytes) {
    StringBuilder b = new StringBuilder();
    for (byte x : bytes.toByteArray()) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        b.append((char) c);
      } else {
        b.append(String.format("\\x%02x", c));
      }
    }
    return b.toString();
  }

  private static String shortened(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
