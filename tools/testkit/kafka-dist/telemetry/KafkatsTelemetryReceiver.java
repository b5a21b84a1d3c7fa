// A broker-side client telemetry receiver (KIP-714) for the test cluster, Kafka 4.x only: the
// testkit compiles it against the cached jars and lists it in metric.reporters. Every push a
// broker accepts is appended as one JSON line to <node dir>/client-telemetry.jsonl, with the
// raw OTLP bytes and Kafka's own decoding of them (the shaded OpenTelemetry protobuf classes in
// kafka-clients), so tests check kafkats's encoder against an independent decoder.
//
// Without a client-metrics subscription (created by a test) clients push nothing, so having the
// receiver configured costs other tests one GetTelemetrySubscriptions per client.

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;
import org.apache.kafka.server.telemetry.ClientTelemetryContext;
import org.apache.kafka.server.telemetry.ClientTelemetryExporter;
import org.apache.kafka.server.telemetry.ClientTelemetryExporterProvider;
import org.apache.kafka.server.telemetry.ClientTelemetryPayload;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.AnyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.common.v1.KeyValue;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.Metric;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.MetricsData;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import org.apache.kafka.shaded.io.opentelemetry.proto.metrics.v1.ScopeMetrics;

public class KafkatsTelemetryReceiver implements MetricsReporter, ClientTelemetryExporterProvider {
    private Path out;

    @Override
    public void configure(Map<String, ?> configs) {
        String nodeDir = System.getProperty("kafkats.testkit.node", ".");
        out = Paths.get(nodeDir, "client-telemetry.jsonl");
    }

    @Override public void init(List<KafkaMetric> metrics) {}
    @Override public void metricChange(KafkaMetric metric) {}
    @Override public void metricRemoval(KafkaMetric metric) {}
    @Override public void close() {}

    @Override
    public ClientTelemetryExporter clientTelemetryExporter() {
        return this::export;
    }

    private synchronized void export(ClientTelemetryContext context, ClientTelemetryPayload payload) {
        ByteBuffer data = payload.data().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        StringBuilder line = new StringBuilder();
        line.append("{\"clientInstanceId\":").append(quote(payload.clientInstanceId().toString()))
            .append(",\"terminating\":").append(payload.isTerminating())
            .append(",\"contentType\":").append(quote(payload.contentType()))
            .append(",\"pushIntervalMs\":").append(context.pushIntervalMs())
            .append(",\"clientId\":").append(quote(context.authorizableRequestContext().clientId()))
            .append(",\"bytesBase64\":").append(quote(Base64.getEncoder().encodeToString(bytes)))
            .append(",\"decoded\":");
        try {
            decode(MetricsData.parseFrom(bytes), line);
        } catch (Exception e) {
            line.append(quote("decode failed: " + e));
        }
        line.append("}\n");
        try (FileOutputStream stream = new FileOutputStream(out.toFile(), true)) {
            stream.write(line.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RuntimeException("cannot write " + out, e);
        }
    }

    private static void decode(MetricsData data, StringBuilder json) {
        json.append("{\"resourceAttributes\":{");
        String sep = "";
        for (ResourceMetrics rm : data.getResourceMetricsList()) {
            for (KeyValue kv : rm.getResource().getAttributesList()) {
                json.append(sep).append(quote(kv.getKey())).append(':').append(value(kv.getValue()));
                sep = ",";
            }
        }
        json.append("},\"metrics\":[");
        sep = "";
        for (ResourceMetrics rm : data.getResourceMetricsList()) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    json.append(sep);
                    sep = ",";
                    json.append("{\"name\":").append(quote(m.getName())).append(",\"unit\":").append(quote(m.getUnit()));
                    List<NumberDataPoint> points;
                    if (m.hasSum()) {
                        json.append(",\"type\":\"sum\",\"temporality\":").append(quote(m.getSum().getAggregationTemporality().name()))
                            .append(",\"monotonic\":").append(m.getSum().getIsMonotonic());
                        points = m.getSum().getDataPointsList();
                    } else if (m.hasGauge()) {
                        json.append(",\"type\":\"gauge\"");
                        points = m.getGauge().getDataPointsList();
                    } else {
                        json.append(",\"type\":").append(quote(m.getDataCase().name()));
                        points = List.of();
                    }
                    json.append(",\"points\":[");
                    String psep = "";
                    for (NumberDataPoint p : points) {
                        json.append(psep).append("{\"startTimeUnixNano\":\"").append(Long.toUnsignedString(p.getStartTimeUnixNano()))
                            .append("\",\"timeUnixNano\":\"").append(Long.toUnsignedString(p.getTimeUnixNano())).append("\",\"value\":");
                        if (p.getValueCase() == NumberDataPoint.ValueCase.AS_INT) json.append(p.getAsInt());
                        else json.append(p.getAsDouble());
                        json.append(",\"attributes\":{");
                        String asep = "";
                        for (KeyValue kv : p.getAttributesList()) {
                            json.append(asep).append(quote(kv.getKey())).append(':').append(value(kv.getValue()));
                            asep = ",";
                        }
                        json.append("}}");
                        psep = ",";
                    }
                    json.append("]}");
                }
            }
        }
        json.append("]}");
    }

    private static String value(AnyValue v) {
        switch (v.getValueCase()) {
            case STRING_VALUE: return quote(v.getStringValue());
            case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
            case INT_VALUE: return Long.toString(v.getIntValue());
            case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
            default: return quote(v.getValueCase().name());
        }
    }

    private static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
