// `require('../instrumentation/emitter')`: the specs construct one and hand it to createCluster()
// and createProducer()/createConsumer(). Through KafkaJS's public API every producer and consumer
// has its own emitter, reached with `.on(...)`, so the adapters ignore this one; it only has to
// exist and behave like an emitter.
const { EventEmitter } = require('node:events')

module.exports = class InstrumentationEventEmitter {
  constructor() {
    this.emitter = new EventEmitter()
  }

  emit(eventName, payload) {
    this.emitter.emit(eventName, payload)
  }

  addListener(eventName, listener) {
    this.emitter.addListener(eventName, listener)
    return () => this.emitter.removeListener(eventName, listener)
  }
}
