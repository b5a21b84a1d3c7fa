// Kafka's own Java client (kafka-clients from the testkit's libs dir) as a console producer and a
// console consumer, for the fake cluster's interop test. The testkit fetches the broker jars, not
// the kafka-tools jar that holds kafka-console-producer/consumer, so this is the same thing in a
// few lines: lines from stdin are produced ("key:value"), records are printed as "key:value".
//   java -cp '<libs>/*' ConsoleClients.java produce <bootstrap> <topic>            < lines
//   java -cp '<libs>/*' ConsoleClients.java consume <bootstrap> <topic> <group> <rack> <count>
import java.io.*;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;

public class ConsoleClients {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("produce")) produce(args[1], args[2]);
    else consume(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]));
  }

  static void produce(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "java-console-producer");
    p.put("acks", "all");
    p.put("enable.idempotence", "true");
    p.put("linger.ms", "5");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    int sent = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
      List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
      for (String line; (line = in.readLine()) != null; ) {
        int cut = line.indexOf(':');
        acks.add(producer.send(new ProducerRecord<>(topic, line.substring(0, cut), line.substring(cut + 1))));
        sent++;
      }
      for (var ack : acks) ack.get();
    }
    System.out.println("produced " + sent);
  }

  static void consume(String bootstrap, String topic, String group, String rack, int count) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "java-console-consumer");
    p.put("group.id", group);
    p.put("client.rack", rack);
    p.put("auto.offset.reset", "earliest");
    p.put("max.poll.records", "50");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    int seen = 0;
    long deadline = System.currentTimeMillis() + 60_000;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      while (seen < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          System.out.println(r.key() + ":" + r.value());
          seen++;
        }
      }
      consumer.commitSync();
    }
    if (seen < count) {
      System.err.println("consumed only " + seen + " of " + count);
      System.exit(1);
    }
  }
}
