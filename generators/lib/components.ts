/**
 * Every component, in render order. Components that write shared structured files contribute
 * data instead; a new component plugs in by adding one line here and its own folder.
 */
import { component as base } from '../base/component.js';
import { component as cache } from '../cache/component.js';
import { component as ci } from '../ci/component.js';
import { component as compose } from '../compose/component.js';
import { component as docker } from '../docker/component.js';
import { component as docs } from '../docs/component.js';
import { component as kubernetes } from '../kubernetes/component.js';
import { component as messaging } from '../messaging/component.js';
import { component as packageManager } from '../package-manager/component.js';
import { component as resource } from '../resource/component.js';
import { component as storage } from '../storage/component.js';
import type { Component } from './component.js';

export const COMPONENTS: readonly Component[] = [base, storage, cache, messaging, resource, docker, kubernetes, compose, ci, docs, packageManager];
