// Activities for the claim-check image store: the workflow deletes an activation's selfies when it
// ends, so identity images never outlive the activation that needed them.
import type { ImageStore } from '../codec';
import type { ImageActivities } from '../contract/activities';

export function createImageActivities(store: ImageStore): ImageActivities {
  return {
    deleteActivationImages: (requestId) => store.deleteForActivation(requestId),
  };
}
