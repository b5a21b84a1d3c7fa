// Kafka's own Java client as an independent judge and peer for kafkats transactions (run as a
// single-file source program with the testkit's broker classpath):
//   read-committed <bootstrap> <topic>   prints every value a read_committed consumer sees, one per
//                                         line, then "#END <count>"; reads every partition from the
//                                         beginning up to its end offset (the LSO under read_committed)
//   produce <bootstrap> <topic> <transactionalId> <transactions> <recordsPerTransaction>
//                                         alternates committed and aborted transactions; values
//                                         java-commit-T-I and java-abort-T-I
//   bench <bootstrap> <topic> <transactionalId> <transactions> <recordsPerTransaction> <valueBytes>
//                                         prints "#BENCH <records> <ms>"
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class TxnTool {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "read-committed" -> readCommitted(args[1], args[2]);
      case "produce" -> produce(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      case "bench" -> bench(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  static void readCommitted(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
    try (KafkaConsumer<byte[], String> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      StringBuilder out = new StringBuilder();
      long count = 0;
      long deadline = System.currentTimeMillis() + 120_000;
      while (System.currentTimeMillis() < deadline) {
        boolean done = true;
        for (TopicPartition tp : partitions) if (consumer.position(tp) < end.get(tp)) done = false;
        if (done) break;
        for (ConsumerRecord<byte[], String> record : consumer.poll(Duration.ofMillis(500))) {
          out.append(record.value()).append('\n');
          count++;
          if (out.length() > 1 << 20) {
            System.out.print(out);
            out.setLength(0);
          }
        }
      }
      System.out.print(out);
      System.out.println("#END " + count);
    }
  }

  static KafkaProducer<String, byte[]> producer(String bootstrap, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
    return producer;
  }

  static void produce(String bootstrap, String topic, String transactionalId, int transactions, int perTransaction) {
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap, transactionalId)) {
      for (int t = 0; t < transactions; t++) {
        boolean commit = t % 2 == 0;
        producer.beginTransaction();
        for (int i = 0; i < perTransaction; i++) {
          String value = (commit ? "java-commit-" : "java-abort-") + t + "-" + i;
          producer.send(new ProducerRecord<>(topic, "k" + i, value.getBytes()));
        }
        if (commit) producer.commitTransaction();
        else {
          producer.flush();
          producer.abortTransaction();
        }
      }
    }
    System.out.println("#END produced");
  }

  static void bench(String bootstrap, String topic, String transactionalId, int transactions, int perTransaction, int valueBytes) {
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'x');
    try (KafkaProducer<String, byte[]> producer = producer(bootstrap, transactionalId)) {
      long start = System.nanoTime();
      for (int t = 0; t < transactions; t++) {
        producer.beginTransaction();
        for (int i = 0; i < perTransaction; i++) producer.send(new ProducerRecord<>(topic, null, value));
        producer.commitTransaction();
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.println("#BENCH " + ((long) transactions * perTransaction) + " " + ms);
    }
  }
}
