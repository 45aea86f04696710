/**
 * The one seam that knows which broker this service was generated for. Everything else sees
 * only the Broker interface, so switching brokers means swapping this file and the adapter.
 */
import type { Logger } from '../logger.ts';
import type { Broker, DeliverySemantics } from './broker.ts';
import { NatsBroker } from './nats-broker.ts';

export const BROKER_NAME = 'nats';

export interface BrokerSettings {
  /** Contains credentials: never log it. */
  url: string;
  service: string;
  /** Queue (RabbitMQ) or subject (NATS) of the commands this service consumes. */
  commands: string;
  /** Topic exchange (RabbitMQ) or subject prefix (NATS) of the events this service publishes. */
  events: string;
  /** Where commands go that cannot be applied. */
  deadLetter: string;
  semantics: DeliverySemantics;
  maxInFlight: number;
  maxDeliveries: number;
  logger: Logger;
}

export function createBroker(settings: BrokerSettings): Broker {
  return new NatsBroker({
    url: settings.url,
    service: settings.service,
    commandsSubject: settings.commands,
    eventsSubject: settings.events,
    deadLetterSubject: settings.deadLetter,
    semantics: settings.semantics,
    maxInFlight: settings.maxInFlight,
    maxDeliveries: settings.maxDeliveries,
    logger: settings.logger,
  });
}
