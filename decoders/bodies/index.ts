/**
 * Every body family registers its codecs here, once, at module load. One file per family,
 * by what the messages are about, each opening with the layouts it implements.
 */
import { register } from '../registry.js';
import { areas } from './areas.js';
import { control } from './control.js';
import { general } from './general.js';
import { jsatl12 } from './jsatl12.js';
import { location } from './location.js';
import { messaging } from './messaging.js';
import { multimedia } from './multimedia.js';
import { parameters } from './parameters.js';
import { registration } from './registration.js';
import { vendor } from './vendor.js';
import { video } from './video.js';

register(general);
register(location);
register(registration);
register(parameters);
register(control);
register(messaging);
register(areas);
register(multimedia);
register(video);
register(jsatl12);
register(vendor);
