// The Java side of the protocol conformance check: Kafka's own serializers (kafka-clients) behind a
// line protocol on stdin/stdout. Each input line is a JSON object {"items": [...]}; each output line
// is {"results": [...]} with one result per item, in order. Item kinds:
//
//   {"op":"msg","name":"FetchRequestData","v":12,"prefix":false,"json":{...},"ours":"<base64>"}
//     json -> <Name> (a generated message class) via <Name>JsonConverter.read -> bytes (ObjectSerializationCache +
//     write(ByteBufferAccessor)); ours (our encoder's bytes) -> <Name>Data via its Readable
//     constructor, required to consume every byte and to equal() Java's reading of its own bytes.
//     Result: {"bytes":"<base64>","oursEqual":bool,"oursJson":{...}|null,"error":null|"..."}
//     ("prefix" = the int16 version prefix of the ConsumerProtocol* structures.)
//
//   {"op":"batch", ...spec..., "ours":"<base64>"}
//     spec -> MemoryRecords.builder (or withEndTransactionMarker for a control batch) -> bytes;
//     ours -> MemoryRecords.readableRecords -> decoded batches as JSON (checksums verified).
//     Result: {"bytes":"<base64>","oursDecoded":[...],"error":null|"..."}
//
// Errors are reported per item; the process only exits at end of input.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

public final class Conformance {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** The reflective entry points of one generated message class. */
    private static final class Codec {
        final MethodHandle fromJson; // (JsonNode, short) -> Data
        final MethodHandle toJson; // (Data, short, boolean) -> JsonNode
        final MethodHandle fromBytes; // (Readable, short) -> Data

        Codec(String name) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> data = Class.forName("org.apache.kafka.common.message." + name);
            Class<?> converter = Class.forName("org.apache.kafka.common.message." + name + "JsonConverter");
            fromJson = lookup.findStatic(converter, "read", MethodType.methodType(data, JsonNode.class, short.class))
                .asType(MethodType.methodType(Object.class, JsonNode.class, short.class));
            toJson = lookup.findStatic(converter, "write", MethodType.methodType(JsonNode.class, data, short.class, boolean.class))
                .asType(MethodType.methodType(JsonNode.class, Object.class, short.class, boolean.class));
            fromBytes = lookup.findConstructor(data, MethodType.methodType(void.class, Readable.class, short.class))
                .asType(MethodType.methodType(Object.class, Readable.class, short.class));
        }
    }

    private static final Map<String, Codec> CODECS = new HashMap<>();

    private static Codec codec(String name) throws ReflectiveOperationException {
        Codec codec = CODECS.get(name);
        if (codec == null) {
            codec = new Codec(name);
            CODECS.put(name, codec);
        }
        return codec;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 20);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 20);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            JsonNode request = MAPPER.readTree(line);
            ArrayNode results = NODES.arrayNode();
            for (JsonNode item : request.get("items")) {
                ObjectNode result = NODES.objectNode();
                try {
                    String op = item.get("op").asText();
                    if (op.equals("msg")) message(item, result);
                    else if (op.equals("batch")) batch(item, result);
                    else throw new IllegalArgumentException("unknown op " + op);
                    if (!result.has("error")) result.putNull("error");
                } catch (Throwable t) {
                    result.put("error", describe(t));
                }
                results.add(result);
            }
            ObjectNode response = NODES.objectNode();
            response.set("results", results);
            out.write(MAPPER.writeValueAsString(response));
            out.write('\n');
            out.flush();
        }
        // CPU time of this JVM (all threads, JIT and GC included), for the run summary
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            System.err.println("java-cpu-ms " + ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1_000_000);
        }
    }

    private static String describe(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        String s = text.toString();
        return s.length() > 2000 ? s.substring(0, 2000) : s;
    }

    private static void message(JsonNode item, ObjectNode result) throws Throwable {
        String name = item.get("name").asText();
        short version = (short) item.get("v").asInt();
        boolean prefix = item.path("prefix").asBoolean(false);
        Codec codec = codec(name);
        Message data = (Message) codec.fromJson.invoke(item.get("json"), version);
        byte[] bytes;
        if (prefix) {
            bytes = org.apache.kafka.common.protocol.MessageUtil.toVersionPrefixedBytes(version, data);
        } else {
            ObjectSerializationCache cache = new ObjectSerializationCache();
            int size = data.size(cache, version);
            ByteBuffer buffer = ByteBuffer.allocate(size);
            data.write(new ByteBufferAccessor(buffer), cache, version);
            if (buffer.hasRemaining()) throw new IllegalStateException("size() " + size + " but wrote " + buffer.position());
            bytes = buffer.array();
        }
        result.put("bytes", B64.encodeToString(bytes));

        // Java decodes our bytes.
        JsonNode oursNode = item.get("ours");
        if (oursNode == null || oursNode.isNull()) return;
        ByteBuffer ours = ByteBuffer.wrap(B64D.decode(oursNode.asText()));
        try {
            short readVersion = version;
            if (prefix) readVersion = ours.getShort();
            if (readVersion != version) throw new IllegalStateException("version prefix " + readVersion + ", expected " + version);
            Object decoded = codec.fromBytes.invoke(new ByteBufferAccessor(ours), readVersion);
            if (ours.hasRemaining()) throw new IllegalStateException(ours.remaining() + " bytes left after decoding ours");
            // compared with Java's reading of its own bytes (not with `data`: a value the version
            // cannot carry but may drop, an ignorable field, is in `data` and in neither encoding)
            Object own = codec.fromBytes.invoke(new ByteBufferAccessor(ByteBuffer.wrap(bytes, prefix ? 2 : 0, bytes.length - (prefix ? 2 : 0))), version);
            boolean equal = decoded.equals(own);
            result.put("oursEqual", equal);
            if (!equal) {
                result.set("oursJson", (JsonNode) codec.toJson.invoke(decoded, version, true));
                result.set("javaJson", (JsonNode) codec.toJson.invoke(own, version, true));
            }
        } catch (Throwable t) {
            result.put("oursEqual", false);
            result.put("oursError", describe(t));
        }
    }

    private static byte[] bytesOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : B64D.decode(node.asText());
    }

    private static Compression compression(String name) {
        switch (name) {
            case "none": return Compression.NONE;
            case "gzip": return Compression.gzip().build();
            case "snappy": return Compression.snappy().build();
            case "lz4": return Compression.lz4().build();
            case "zstd": return Compression.zstd().build();
            default: throw new IllegalArgumentException("unknown codec " + name);
        }
    }

    private static void batch(JsonNode item, ObjectNode result) {
        long baseOffset = item.get("baseOffset").asLong();
        long producerId = item.get("producerId").asLong();
        short producerEpoch = (short) item.get("producerEpoch").asInt();
        int baseSequence = item.get("baseSequence").asInt();
        int partitionLeaderEpoch = item.get("partitionLeaderEpoch").asInt();
        boolean transactional = item.get("transactional").asBoolean();
        MemoryRecords records;
        JsonNode control = item.get("control");
        if (control != null && !control.isNull()) {
            ControlRecordType type = ControlRecordType.valueOf(control.get("type").asText());
            EndTransactionMarker marker = new EndTransactionMarker(type, control.get("coordinatorEpoch").asInt());
            records = MemoryRecords.withEndTransactionMarker(baseOffset, control.get("timestamp").asLong(),
                partitionLeaderEpoch, producerId, producerEpoch, marker);
        } else {
            TimestampType timestampType = item.get("timestampType").asText().equals("LogAppendTime")
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
            long logAppendTime = timestampType == TimestampType.LOG_APPEND_TIME ? item.get("maxTimestamp").asLong() : RecordBatch.NO_TIMESTAMP;
            MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.MAGIC_VALUE_V2,
                compression(item.get("compression").asText()), timestampType, baseOffset, logAppendTime, producerId,
                producerEpoch, baseSequence, transactional, false, partitionLeaderEpoch);
            long offset = baseOffset;
            for (JsonNode record : item.get("records")) {
                List<Header> headers = new ArrayList<>();
                for (JsonNode header : record.get("headers")) {
                    headers.add(new RecordHeader(header.get("key").asText(), bytesOrNull(header.get("value"))));
                }
                builder.appendWithOffset(offset++, record.get("timestamp").asLong(), bytesOrNull(record.get("key")),
                    bytesOrNull(record.get("value")), headers.toArray(new Header[0]));
            }
            records = builder.build();
        }
        ByteBuffer buffer = records.buffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        result.put("bytes", B64.encodeToString(bytes));
        try {
            result.set("oursDecoded", decodeBatches(MemoryRecords.readableRecords(ByteBuffer.wrap(B64D.decode(item.get("ours").asText())))));
        } catch (Throwable t) {
            result.put("oursError", describe(t));
        }
    }

    private static String b64(ByteBuffer buffer) {
        if (buffer == null) return null;
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return B64.encodeToString(bytes);
    }

    private static ArrayNode decodeBatches(MemoryRecords records) {
        ArrayNode batches = NODES.arrayNode();
        for (RecordBatch batch : records.batches()) {
            batch.ensureValid(); // CRC-32C and size
            ObjectNode b = NODES.objectNode();
            b.put("baseOffset", batch.baseOffset());
            b.put("lastOffset", batch.lastOffset());
            b.put("magic", batch.magic());
            b.put("compression", batch.compressionType().name);
            b.put("timestampType", batch.timestampType() == TimestampType.LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime");
            b.put("maxTimestamp", batch.maxTimestamp());
            b.put("producerId", batch.producerId());
            b.put("producerEpoch", batch.producerEpoch());
            b.put("baseSequence", batch.baseSequence());
            b.put("partitionLeaderEpoch", batch.partitionLeaderEpoch());
            b.put("transactional", batch.isTransactional());
            b.put("control", batch.isControlBatch());
            ArrayNode list = b.putArray("records");
            for (Record record : batch) {
                record.ensureValid();
                ObjectNode r = list.addObject();
                r.put("offset", record.offset());
                r.put("timestamp", record.timestamp());
                r.put("key", record.hasKey() ? b64(record.key()) : null);
                r.put("value", record.hasValue() ? b64(record.value()) : null);
                ArrayNode headers = r.putArray("headers");
                for (Header header : record.headers()) {
                    ObjectNode h = headers.addObject();
                    h.put("key", header.key());
                    h.put("value", header.value() == null ? null : B64.encodeToString(header.value()));
                }
                if (batch.isControlBatch()) {
                    ControlRecordType type = ControlRecordType.parse(record.key());
                    r.put("controlType", type.name());
                    if (type == ControlRecordType.ABORT || type == ControlRecordType.COMMIT) {
                        r.put("coordinatorEpoch", EndTransactionMarker.deserialize(record).coordinatorEpoch());
                    }
                }
            }
            batches.add(b);
        }
        return batches;
    }
}
