// The Java peer of apps/bench/src/transactions.bench.ts: Kafka's own Java client (the jars the
// testkit caches for the test cluster), compiled by the bench into apps/bench/.cache/ and run in
// its own JVM, one run per process.
//
//   produce <bootstrap> <topic> <transactionalId> <keysFile> <valuesFile> <records> <recordsPerTransaction>
//       initTransactions, one warm-up transaction of recordsPerTransaction records (not timed), then
//       records / recordsPerTransaction transactions: beginTransaction, send() × recordsPerTransaction
//       (not awaited one by one), commitTransaction (which flushes); timed until the last commit
//       returns. Record j (warm-up first) is keys[j % keys] / values[j % values]. Producer settings:
//       transactional.id only, everything else the client's defaults. Prints one JSON line.
//   count-committed <bootstrap> <topic>
//       a read_committed consumer reads every partition from the beginning to its end offset (the
//       last stable offset under read_committed) and prints {"committed":N,"perPartition":[...]}.
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

public class TxnBench {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], args[3], Path.of(args[4]), Path.of(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]));
      case "count-committed" -> countCommitted(args[1], args[2]);
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

  static void produce(String bootstrap, String topic, String transactionalId, Path keysFile, Path valuesFile, int records, int perTransaction) throws Exception {
    List<byte[]> keys = lines(keysFile);
    List<byte[]> values = lines(valuesFile);
    long bytesPerRecord = keys.get(0).length + values.get(0).length;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
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
    long committedTransactions = 0;
    double rssAtStart = 0;
    double[] cpuAtStart = {0, 0};
    double[] cpuAtEnd = {0, 0};
    long startedAt = 0;
    long endedAt = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      int j = 0;
      // warm-up: connections, metadata, producer id, JIT
      producer.beginTransaction();
      for (int i = 0; i < perTransaction; i++, j++) producer.send(new ProducerRecord<>(topic, keys.get(j % keys.size()), values.get(j % values.size())), callback);
      producer.commitTransaction();
      acknowledged.set(0);

      rssAtStart = statusMiB("VmRSS");
      cpuAtStart = cpuSeconds();
      startedAt = System.nanoTime();
      try {
        for (int t = 0; t < records / perTransaction; t++) {
          producer.beginTransaction();
          for (int i = 0; i < perTransaction; i++, j++) producer.send(new ProducerRecord<>(topic, keys.get(j % keys.size()), values.get(j % values.size())), callback);
          producer.commitTransaction();
          committedTransactions++;
        }
      } catch (KafkaException e) {
        firstError.compareAndSet(null, e.toString());
        failed.incrementAndGet();
      }
      endedAt = System.nanoTime();
      cpuAtEnd = cpuSeconds();
    }
    double user = cpuAtEnd[0] - cpuAtStart[0];
    double system = cpuAtEnd[1] - cpuAtStart[1];
    StringBuilder out = new StringBuilder();
    out.append("{\"records\":").append(records)
        .append(",\"payloadBytes\":").append(records * bytesPerRecord)
        .append(",\"seconds\":").append((endedAt - startedAt) / 1e9)
        .append(",\"cpuSeconds\":").append(user + system)
        .append(",\"cpuUserSeconds\":").append(user)
        .append(",\"cpuSystemSeconds\":").append(system)
        .append(",\"peakRssMiB\":").append(statusMiB("VmHWM"))
        .append(",\"rssAtStartMiB\":").append(rssAtStart)
        .append(",\"acknowledged\":").append(acknowledged.get())
        .append(",\"committedTransactions\":").append(committedTransactions)
        .append(",\"errors\":").append(failed.get());
    if (firstError.get() != null) out.append(",\"firstError\":").append(quote(firstError.get()));
    out.append("}");
    System.out.println();
    System.out.println(out);
  }

  static void countCommitted(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, info.partition()));
      partitions.sort(Comparator.comparingInt(TopicPartition::partition));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // under read_committed: the last stable offset of each partition
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long[] perPartition = new long[partitions.size()];
      long deadline = System.currentTimeMillis() + 300_000;
      for (;;) {
        boolean done = true;
        for (TopicPartition tp : partitions) if (consumer.position(tp) < end.get(tp)) done = false;
        if (done) break;
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("count-committed: not at the end offsets after 300 s");
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) perPartition[record.partition()]++;
      }
      long total = 0;
      StringBuilder list = new StringBuilder();
      for (int i = 0; i < perPartition.length; i++) {
        total += perPartition[i];
        list.append(i == 0 ? "" : ",").append(perPartition[i]);
      }
      System.out.println();
      System.out.println("{\"committed\":" + total + ",\"perPartition\":[" + list + "]}");
    }
  }
}
