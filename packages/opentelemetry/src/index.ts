export { instrumentKafka, KafkaInstrumentation, type KafkaInstrumentationOptions, type RecordPropagator } from './instrumentation.js'
