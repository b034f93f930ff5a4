// `npm run s3:provision`: find or build SeaweedFS's `weed` (the S3-compatible server the S3 image store is
// tested against) and print where it is.
import { resolveWeed } from './seaweedfs';

console.log(await resolveWeed());
