// Kafka's own Java client (kafka-clients from the testkit's libs dir) as the reference peer of
// the interop tests. Run by src/java-client.ts with the single-file source launcher (no build):
//   java -cp '<libs>/*' kafka-dist/interop/Interop.java produce|consume  < request.json
// The request is one JSON object on stdin, the answer one JSON object on stdout (Jackson, which
// the broker classpath carries). Strings are UTF-8 on the wire (String(De)Serializer semantics).
//
// produce: {"bootstrap","topic","batches":[{"compression","partition"?,"records":[{"key","value","headers":[[k,v]]}]}]}
//   Each batch is sent by its own producer (compression.type = batch.compression, idempotent,
//   acks=all, Java's defaults otherwise) and flushed, so each batch becomes one record batch per
//   partition. Without "partition" the Java client's default partitioner picks it (murmur2 for keys).
//   -> {"acks":[{"partition","offset"}]}  one per record, in request order
// consume: {"bootstrap","topic","partition","count","timeoutMs"}
//   Reads the partition from the beginning until `count` records or the timeout.
//   -> {"records":[{"partition","offset","timestamp","key","value","headers":[[k,v]]}]}
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.*;

public class Interop {
  static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    JsonNode request = JSON.readTree(System.in);
    ObjectNode answer = switch (args.length > 0 ? args[0] : "") {
      case "produce" -> produce(request);
      case "consume" -> consume(request);
      default -> throw new IllegalArgumentException("usage: Interop produce|consume < request.json");
    };
    System.out.println(JSON.writeValueAsString(answer));
  }

  static byte[] utf8(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText().getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  static ObjectNode produce(JsonNode request) throws Exception {
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode acks = answer.putArray("acks");
    String topic = request.get("topic").asText();
    for (JsonNode batch : request.get("batches")) {
      Properties p = new Properties();
      p.put("bootstrap.servers", request.get("bootstrap").asText());
      p.put("compression.type", batch.get("compression").asText());
      p.put("acks", "all");
      p.put("enable.idempotence", "true");
      // Everything of one batch goes out in one request at flush().
      p.put("linger.ms", "30000");
      p.put("batch.size", Integer.toString(4 << 20));
      p.put("request.timeout.ms", "20000");
      p.put("delivery.timeout.ms", "120000");
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        Integer partition = batch.hasNonNull("partition") ? batch.get("partition").asInt() : null;
        for (JsonNode record : batch.get("records")) {
          List<Header> headers = new ArrayList<>();
          if (record.has("headers")) {
            for (JsonNode h : record.get("headers")) headers.add(new RecordHeader(h.get(0).asText(), utf8(h.get(1))));
          }
          sent.add(producer.send(new ProducerRecord<>(topic, partition, utf8(record.get("key")), utf8(record.get("value")), headers)));
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
          RecordMetadata m = f.get();
          acks.addObject().put("partition", m.partition()).put("offset", m.offset());
        }
      }
    }
    return answer;
  }

  static ObjectNode consume(JsonNode request) {
    Properties p = new Properties();
    p.put("bootstrap.servers", request.get("bootstrap").asText());
    p.put("enable.auto.commit", "false");
    p.put("request.timeout.ms", "20000");
    TopicPartition tp = new TopicPartition(request.get("topic").asText(), request.get("partition").asInt());
    int count = request.get("count").asInt();
    long deadline = System.currentTimeMillis() + request.path("timeoutMs").asLong(60000);
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode out = answer.putArray("records");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      while (out.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          ObjectNode o = out.addObject();
          o.put("partition", r.partition()).put("offset", r.offset()).put("timestamp", r.timestamp());
          o.put("key", text(r.key())).put("value", text(r.value()));
          ArrayNode headers = o.putArray("headers");
          for (Header h : r.headers()) headers.addArray().add(h.key()).add(text(h.value()));
        }
      }
    }
    return answer;
  }
}
