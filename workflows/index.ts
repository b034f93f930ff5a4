export { activation } from './activation';
