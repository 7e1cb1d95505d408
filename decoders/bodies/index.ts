/**
 * Every body family registers its codecs here, once, at module load. One file per family,
 * by what the messages are about, each opening with the layouts it implements.
 */
import { register } from '../registry.js';
import { general } from './general.js';

register(general);
