// The Java peer of apps/bench/src/produce.bench.ts and consume.bench.ts: Kafka's own Java client
// (the jars the testkit caches for the test cluster), compiled by the benches into apps/bench/.cache/
// and run in its own JVM, one run per process. It does what Kafka's kafka-producer-perf-test and
// kafka-consumer-perf-test do (send as fast as the producer accepts, with a callback per record;
// poll until N records), with the benches' payloads, warm-up and timed window.
//
//   produce <bootstrap> <topic> <keysFile> <valuesFile> <records> <warmupRecords>
//       acks=all, enable.idempotence=true, batch.size 1 MiB, compression none, the client's defaults
//       otherwise (linger.ms 5, buffer.memory 32 MiB, 5 requests in flight per connection). Sends
//       warmupRecords and flushes (connections, metadata, producer id, JIT), then send() × records
//       (send blocks while buffer.memory is full: the client's own back-pressure) and flush();
//       timed until flush returns. Record j (warm-up first) is keys[j % keys] / values[j % values].
//   consume <bootstrap> <topic> <records>
//       no group: assign() every partition, seekToBeginning, poll() until records have been
//       handed out; the client's fetch defaults (fetch.max.bytes 50 MiB, max.partition.fetch.bytes
//       1 MiB, max.poll.records 500, check.crcs true). Timed from the first non-empty poll.
//
// CPU: utime + stime of /proc/self/stat over the timed window (every JVM thread: JIT and GC
// included). Peak RSS: VmHWM of /proc/self/status. Prints one JSON line.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class PerfBench {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], Path.of(args[3]), Path.of(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      case "consume" -> consume(args[1], args[2], Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static List<byte[]> lines(Path file) throws Exception {
    List<byte[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) if (!line.isEmpty()) out.add(line.getBytes(StandardCharsets.US_ASCII));
    return out;
  }

  /** utime and stime of this process in seconds (/proc/self/stat, USER_HZ = 100). */
  static double[] cpuSeconds() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new double[] {Long.parseLong(fields[11]) / 100.0, Long.parseLong(fields[12]) / 100.0};
  }

  /** A field of /proc/self/status in MiB (VmRSS: resident now, VmHWM: peak resident). */
  static double statusMiB(String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
    }
    return -1;
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "") + "\"";
  }

  /** Wall time, CPU and RSS from start() to measured(). */
  static final class Window {
    long startedAt;
    double rssAtStart;
    double[] cpuAtStart;

    void start() throws Exception {
      rssAtStart = statusMiB("VmRSS");
      cpuAtStart = cpuSeconds();
      startedAt = System.nanoTime();
    }

    boolean started() {
      return cpuAtStart != null;
    }

    String measured(long records, long payloadBytes) throws Exception {
      double seconds = (System.nanoTime() - startedAt) / 1e9;
      double[] cpu = cpuSeconds();
      double user = cpu[0] - cpuAtStart[0];
      double system = cpu[1] - cpuAtStart[1];
      return String.format(Locale.ROOT, "\"records\":%d,\"payloadBytes\":%d,\"seconds\":%.6f,\"cpuSeconds\":%.3f,\"cpuUserSeconds\":%.3f,\"cpuSystemSeconds\":%.3f,\"peakRssMiB\":%.1f,\"rssAtStartMiB\":%.1f",
          records, payloadBytes, seconds, user + system, user, system, statusMiB("VmHWM"), rssAtStart);
    }
  }

  static void produce(String bootstrap, String topic, Path keysFile, Path valuesFile, int records, int warmup) throws Exception {
    List<byte[]> keys = lines(keysFile);
    List<byte[]> values = lines(valuesFile);
    long bytesPerRecord = keys.get(0).length + values.get(0).length;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1024 * 1024));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    Callback callback = (metadata, exception) -> {
      if (exception == null) acknowledged.incrementAndGet();
      else {
        failed.incrementAndGet();
        firstError.compareAndSet(null, exception.toString());
      }
    };
    Window window = new Window();
    String measured;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      int j = 0;
      for (int i = 0; i < warmup; i++, j++) producer.send(new ProducerRecord<>(topic, keys.get(j % keys.size()), values.get(j % values.size())), callback);
      producer.flush();
      if (failed.get() > 0) throw new IllegalStateException("warm-up: " + firstError.get());
      acknowledged.set(0);
      window.start();
      for (int i = 0; i < records; i++, j++) producer.send(new ProducerRecord<>(topic, keys.get(j % keys.size()), values.get(j % values.size())), callback);
      producer.flush();
      measured = window.measured(records, records * bytesPerRecord);
    }
    String error = firstError.get();
    System.out.println();
    System.out.println("{" + measured + ",\"acknowledged\":" + acknowledged.get() + ",\"errors\":" + failed.get() + (error == null ? "" : ",\"firstError\":" + quote(error)) + "}");
  }

  static void consume(String bootstrap, String topic, int records) throws Exception {
    long constructed = System.nanoTime();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    Window window = new Window();
    long count = 0;
    long payload = 0;
    double setupSeconds = 0;
    String measured;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (count < records) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(500));
        if (polled.isEmpty()) continue;
        if (!window.started()) {
          window.start();
          setupSeconds = (System.nanoTime() - constructed) / 1e9;
        }
        for (ConsumerRecord<byte[], byte[]> record : polled) payload += (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        count += polled.count();
      }
      measured = window.measured(count, payload);
    }
    System.out.println();
    System.out.println("{" + measured + String.format(Locale.ROOT, ",\"setupSeconds\":%.3f}", setupSeconds));
  }
}
